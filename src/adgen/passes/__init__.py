"""IR passes: each a function ``run(fn) -> fn`` that returns an equivalent function."""
