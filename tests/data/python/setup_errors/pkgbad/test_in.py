def test_p1(): pass
def test_p2(): pass
