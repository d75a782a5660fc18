"""What travels out of the sandbox: the kernel shim's encoding and the grader's decoding are exact inverses."""
import importlib.util
import json
import os

import numpy as np
import torch

from autograder import sandbox
from autograder.verdicts import decode


def shim():
    """The kernel-side module, loaded from its file (inside the sandbox it is `autograder.hidden`)."""
    path = os.path.join(sandbox.SHIM_DIR, "autograder", "hidden", "__init__.py")
    spec = importlib.util.spec_from_file_location("kernel_shim_hidden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_round_trip_is_exact_through_json():
    value = {"h": np.arange(12.0).reshape(3, 4).T, "scalar": np.float64(2.5), "f32": np.ones(3, np.float32),
             "ints": np.arange(3), "pair": (np.zeros((0, 2)), 1.5), "list": [1, None, "x"], "flag": True,
             "tensor": torch.tensor([[1.0, -2.0]], dtype=torch.float64)}
    back = decode(json.loads(json.dumps(shim().encode(value))))
    assert back["h"].shape == (4, 3) and np.array_equal(back["h"], value["h"])
    assert back["scalar"].shape == () and back["scalar"] == 2.5
    assert back["f32"].dtype == np.float32 and back["ints"].dtype == value["ints"].dtype
    assert isinstance(back["pair"], tuple) and back["pair"][0].shape == (0, 2) and back["pair"][1] == 1.5
    assert back["list"] == [1, None, "x"] and back["flag"] is True
    assert np.array_equal(back["tensor"], [[1.0, -2.0]])


def test_objects_never_decode_to_numbers():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True
    encoded = shim().encode([object(), np.array(["a"]), np.zeros(2).view(Sneaky)])
    decoded = decode(json.loads(json.dumps(encoded)))
    assert "object" in repr(decoded[0]) and "dtype" in repr(decoded[1])
    assert type(decoded[2]) is np.ndarray  # a subclass arrives as plain data: its __eq__ stays in the kernel
    forged = decode({"__ndarray__": "AAAA", "dtype": "|O", "shape": [1]})
    assert not isinstance(forged, np.ndarray)
