"""Reading checkpoints as data, never as code: the one place that calls :func:`torch.load`.

A checkpoint is a pickle, and unpickling with ``weights_only=False`` runs whatever its ``__reduce__``
methods say. Results folders on clusters are often group-writable scratch, so a ``last.ckpt`` or a
``model.ckpt`` there is untrusted input. :func:`load_checkpoint` reads with ``weights_only=True``:
tensors, numbers, strings, lists and dicts, which is all a Lightning checkpoint of deepmotif holds
(``epoch``, ``state_dict``, ``optimizer_states``, ``lr_schedulers``, ``loops``, ``callbacks``,
``hyper_parameters``). Anything else is refused with one line naming the object it would build.
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

from deepmotif.errors import InputError

UNSUPPORTED = re.compile(r"Unsupported global: GLOBAL (\S+)")


class UnsafeCheckpoint(InputError):
    """A checkpoint whose pickle would build objects other than tensors and plain data (it could run code)."""


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The contents of a torch checkpoint, read with ``weights_only=True`` onto the CPU.

    Parameters
    ----------
    path: str or os.PathLike
        ``model.ckpt``, ``checkpoints/last.ckpt`` or ``checkpoints/best.ckpt``.

    Returns
    -------
    dict
        The checkpoint (Lightning's keys: ``state_dict``, ``hyper_parameters``, ``epoch``, ...).

    Raises
    ------
    UnsafeCheckpoint
        The pickle names a Python object that is not data (a function, a class): it would run code.
    InputError
        Missing, a folder, not a torch checkpoint (truncated, another format) or not a dict.
    """
    import torch

    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a checkpoint file (model.ckpt)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: checkpoint not found; train the model first (deepmotif train)") from None
    except pickle.UnpicklingError as err:
        found = UNSUPPORTED.search(str(err))
        if found or zipfile.is_zipfile(path):  # a torch archive whose pickle wants more than data
            what = found.group(1) if found else "an object that is not a tensor or plain data"
            raise UnsafeCheckpoint(
                f"{path}: refusing to load: the checkpoint would call {what} when read (a pickle that can run "
                "code, not weights); deepmotif reads only checkpoints of tensors and plain data, as "
                "deepmotif train writes them; remove the file (and ask who wrote it)") from None
        raise InputError(f"{path}: not a PyTorch checkpoint (UnpicklingError); give a model.ckpt written by "
                         "deepmotif train") from None
    except Exception as err:  # noqa: BLE001 - truncated archives, other formats: one line, not a traceback
        raise InputError(f"{path}: not a PyTorch checkpoint ({type(err).__name__}); give a model.ckpt written "
                         "by deepmotif train") from None
    if not isinstance(ckpt, dict):
        raise InputError(f"{path}: not a deepmotif checkpoint (holds a {type(ckpt).__name__}, not a dict)")
    return ckpt
