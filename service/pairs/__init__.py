"""结对帮扶 standing pairs between members and residents of the five groups, and their visit rhythms (五见)."""
