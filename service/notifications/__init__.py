"""In-app inbox, and one sender interface for outbound SMS / WeChat messages."""
