"""The ground floor: what every layer above may use and which knows none of them: the one
error type a user sees, where working files live, how logic reports progress, signals, and
the journal of a multi-step operation."""
