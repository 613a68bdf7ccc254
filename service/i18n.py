def N_(message: str) -> str:
    """Marks a string for the catalogue (``make translations``); it is translated where it is shown."""
    return message
