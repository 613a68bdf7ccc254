"""Tasks (任务) and claims (认领): the volunteer side of the closed loop."""
