"""Reference implementations of every graded function, in plain numpy.

Hidden tests compare student cells against these; tests/ checks these against torch.nn.
"""
