# The function magnus's own test scenarios call (tests/scenarios/only_for_testing.py in the magnus repository),
# written again for dagc's tests: it sets the list the map scenarios iterate on.


def get_map_test_variables():
    return {"map_variable_test": ["a", "b", "c"]}
