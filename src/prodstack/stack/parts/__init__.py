"""The stack's parts, one module each: `build(ctx, ...)` takes the parts it reads as
arguments and returns a typed record of what it made."""
