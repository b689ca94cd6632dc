"""A malformed shape string that jaxtyping accepts and shapeguard's parser rejects."""

import numpy as np

from shapeguard import Float


def broken(x: Float[np.ndarray, "h w+"]) -> None:
    pass
