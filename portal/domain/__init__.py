"""Pure domain rules: no Flask, no database. Plain values in, results or DomainError out."""
