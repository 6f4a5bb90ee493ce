import sys
def test_p():
    print([p for p in sys.path if 'tests' in p])
    import conftest
