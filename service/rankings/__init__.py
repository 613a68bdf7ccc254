"""Rankings: standings computed from the ledger, published as immutable snapshots, boards, 红黑榜."""
