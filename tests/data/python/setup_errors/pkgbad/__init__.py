"""A package whose setup raises: one error, every test in it not run."""
def setup():
    raise RuntimeError("package setup broke")
