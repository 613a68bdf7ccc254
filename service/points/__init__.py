"""红色积分 (red points): service catalogue, versioned rule sets, the append-only ledger."""
