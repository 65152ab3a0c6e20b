def test_default():
    pass
