"""Hidden checks, one module per assignment, called from the test cells of solutions/<assignment>.

Each module exposes `CHECKS` (graded function name -> its list of cases), `REFERENCES` (name -> the
reference implementation) and `check(name, student_fn)`, which a notebook's hidden test block calls:

    ### BEGIN HIDDEN TESTS
    from autograder.hidden import a01_rnn_forward as hidden
    hidden.check("rnn_step", rnn_step)
    ### END HIDDEN TESTS
"""
