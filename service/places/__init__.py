"""Places: the area tree (city → … → building) and the work units paired with communities."""
