"""The review desk: pending items, leases, decisions and undo, the review API's rules and its statistics."""
