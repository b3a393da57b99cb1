"""What the workflow needs to know about each registered architecture, without importing torch.

Building the Snakemake DAG must not import torch (about 1.4 s of CPU in every job of a cluster run), so
the planning layer describes the networks of :mod:`deepmotif.models.nets` here: the keyword arguments
each accepts (as JSON schemas of ``training.<arch>.net``), its size presets, and whether it has a first
convolution (``first_conv``, which gets filter motifs). ``tests/test_plan.py`` checks that this table
agrees with the classes' signatures; an architecture added with ``register_net`` needs a line here.
"""

from __future__ import annotations

from typing import Any

POSITIVE_INT: dict[str, Any] = {"type": "integer", "minimum": 1}
DROPOUT: dict[str, Any] = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
POOL: dict[str, Any] = {"type": "string", "enum": ["mean", "max"],
                        "description": "pooling of each LSTM direction over time"}
ORTHOGONAL: dict[str, Any] = {"type": "boolean",
                              "description": "orthogonal recurrent, Xavier input LSTM weights at initialization"}
PRESET_NAMES = ("small", "medium", "large")

ARCHITECTURES: dict[str, dict[str, Any]] = {
    "cnn": {
        "first_conv": True,
        "net": {
            "n_filters": POSITIVE_INT,
            "kernel_sizes": {"type": "array", "items": POSITIVE_INT, "minItems": 1},
            "pool_size": POSITIVE_INT,
            "dropout": DROPOUT,
        },
    },
    "rnn": {
        "first_conv": False,
        "net": {"hidden_size": POSITIVE_INT, "dropout": DROPOUT, "pool": POOL, "orthogonal": ORTHOGONAL},
    },
    "cnn_rnn": {
        "first_conv": True,
        "net": {"n_filters": POSITIVE_INT, "kernel_size": POSITIVE_INT, "hidden_size": POSITIVE_INT,
                "dropout": DROPOUT, "pool": POOL, "orthogonal": ORTHOGONAL},
    },
    "dilated_cnn": {
        "first_conv": True,
        "net": {"n_filters": POSITIVE_INT, "kernel_size": POSITIVE_INT,
                "n_blocks": {"type": "integer", "minimum": 0},
                "block_kernel": {"type": "integer", "minimum": 1, "not": {"multipleOf": 2},
                                 "description": "odd"},
                "dropout": DROPOUT},
    },
}


def net_schema(arch: str) -> dict[str, Any]:
    """JSON schema of ``training.<arch>.net``: the keyword arguments the network accepts.

    Parameters
    ----------
    arch: str
        A registered architecture (a key of :data:`ARCHITECTURES`).

    Returns
    -------
    dict
    """
    return {"type": "object", "additionalProperties": False, "properties": ARCHITECTURES[arch]["net"],
            "description": f"keyword arguments of the {arch} network, over its preset's"}


def has_first_conv(arch: str) -> bool:
    """True if the network of ``arch`` exposes a first convolution (its filters become motifs)."""
    return bool(ARCHITECTURES[arch]["first_conv"])


def with_architectures(schema: dict[str, Any]) -> dict[str, Any]:
    """The config schema with one ``training.<arch>`` section per registered architecture.

    Each section is the schema's ``$defs/training`` with ``net`` restricted to the architecture's
    keyword arguments; any other key under ``training`` is unknown (a "did you mean" names the closest).

    Parameters
    ----------
    schema: dict
        ``src/deepmotif/plan/schemas/config.schema.yaml``; not modified.

    Returns
    -------
    dict
        A new schema.
    """
    training = dict(schema["properties"]["training"])
    properties = dict(training.get("properties", {}))
    for arch in ARCHITECTURES:
        properties[arch] = {"allOf": [{"$ref": "#/$defs/training"},
                                      {"properties": {"net": net_schema(arch)}}]}
    training["properties"], training["additionalProperties"] = properties, False
    return {**schema, "properties": {**schema["properties"], "training": training}}
