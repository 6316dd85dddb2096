"""A safe file format: JSON for parameters and state, a torch state dict for weights.

Pickle runs whatever code a file names, so a pickled model is only as safe as
its source. This format holds nothing that executes: ``forecaster.json`` is
parsed by ``json`` and rebuilt from a fixed set of value kinds, and
``weights.pt`` is read by ``torch.load(weights_only=True)``, which refuses
anything but tensors and plain containers.
"""

import dataclasses
import importlib.metadata
import io
import json
import os
import pickle
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sktime.exceptions import NotFittedError
from sktime.forecasting.base import ForecastingHorizon
from torch import nn

from skseq2seq._compat import DtypeKind
from skseq2seq._device import device_or_cpu
from skseq2seq._network import Seq2SeqNetwork
from skseq2seq._state import ForecastState
from skseq2seq._validation import check_params

FORMAT = "skseq2seq-safe"
#: 5: what predict and update need as one ForecastState, where files of
#: version 4 hold it as private attributes (read too, see upgrade_state);
#: 6: a frame's columns by position, not by name
FORMAT_VERSION = 6
READABLE_VERSIONS = (4, 5, 6)
_STATE = "forecaster.json"
_WEIGHTS = "weights.pt"


def save_safe(forecaster, path):
    """Write ``forecaster`` to ``path``; see ``Seq2SeqLSTMForecaster.save_safe``.

    Everything the forecaster holds beyond its parameters is written: its
    own fitted attributes and those sktime's base class keeps, so no list of
    names can fall behind a new sktime release. Networks are written as
    their constructor's arguments plus a state dict. The whole document is
    encoded before anything is written, and the file is written beside its
    destination and then moved over it, so a failure never leaves a broken
    file or destroys the one already there.
    """
    if not (forecaster.is_fitted or hasattr(forecaster, "pretrained_network_")):
        raise NotFittedError(
            f"This {type(forecaster).__name__} is neither fitted nor pretrained; "
            "call fit or pretrain before save_safe."
        )
    params = forecaster.get_params(deep=False)
    networks = {
        name: value
        for name, value in vars(forecaster).items()
        if isinstance(value, nn.Module)
    }
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": type(forecaster).__name__,
        "versions": {name: _version(name) for name in ("skseq2seq", "torch", "sktime")},
        "params": {
            name: _encode(_plain_param(name, value)) for name, value in params.items()
        },
        "networks": {
            name: _encode(network.hyperparameters) for name, network in networks.items()
        },
        "state": {
            name: _encode(value)
            for name, value in vars(forecaster).items()
            if name not in params and name not in networks
        },
    }
    weights = io.BytesIO()
    torch.save(
        {
            name: {k: v.detach().cpu() for k, v in network.state_dict().items()}
            for name, network in networks.items()
        },
        weights,
    )
    return _write_zip(
        Path(path),
        {
            _STATE: json.dumps(document, indent=1, allow_nan=True),
            _WEIGHTS: weights.getvalue(),
        },
    )


def _write_zip(path, members):
    """Write a zip of ``members`` to ``path`` whole, or leave ``path`` as it was."""
    if not path.parent.is_dir():  # else the error names the temporary file
        raise FileNotFoundError(
            f"Cannot write {str(path)!r}: the folder {str(path.parent)!r} does not "
            "exist. Create it first."
        )
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with (
            os.fdopen(handle, "wb") as file,
            zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, data in members.items():
                archive.writestr(name, data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def load_safe(path, cls):
    """Read a forecaster of class ``cls`` written by :func:`save_safe`.

    Raises
    ------
    ValueError
        For a file that is not a save: the parts of one that save_safe
        never writes are named, and what else fails to rebuild (a part
        missing, weights of another shape) is reported as damage. Reading
        runs no code from the file; it does not prove that values altered
        within their kinds are the ones saved.
    """
    try:
        forecaster = _read_safe(path, cls)
    except (
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OverflowError,
        RuntimeError,
    ) as error:
        raise ValueError(
            f"{path} is damaged, or was not written by save_safe "
            f"({type(error).__name__}: {error}). Do not trust this file."
        ) from error
    if hasattr(forecaster, "network_"):
        # back on the device it was fitted on, as unpickling does; outside
        # the rebuild, so that running out of its memory is not "damage"
        forecaster.device_ = device_or_cpu(forecaster.device_)
        forecaster.network_.to(forecaster.device_)
    return forecaster


def _read_safe(path, cls):
    """Rebuild the forecaster; a damaged file fails somewhere along the way."""
    not_ours = (
        f"{path} is not a forecaster saved with save_safe ({{}}). Files from "
        "sktime's save() load with sktime.base.load instead."
    )
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:  # not a zip, or one cut short
        raise ValueError(
            not_ours.format(error) + " A file of ours cut short reads so too: "
            "save the forecaster again, or load an intact copy."
        ) from error
    with archive:
        try:
            state_bytes, weights_bytes = archive.read(_STATE), archive.read(_WEIGHTS)
        except KeyError as error:
            raise ValueError(not_ours.format(error)) from error
        # a bad CRC, or compressed bytes that no longer decompress
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise ValueError(
                f"{path} is damaged ({error}): its bytes are not those written. "
                "Save the forecaster again, or load an intact copy."
            ) from error
    try:
        document = json.loads(state_bytes)
    except ValueError as error:  # not JSON, or not text
        raise ValueError(not_ours.format(error)) from error
    if document.get("format") != FORMAT or document.get("class") != cls.__name__:
        raise ValueError(
            f"{path} holds {document.get('format')!r} / {document.get('class')!r}, "
            f"not a {cls.__name__} saved with save_safe."
        )
    if document.get("format_version") not in READABLE_VERSIONS:
        raise ValueError(
            f"{path} was written in format version "
            f"{document.get('format_version')}; "
            f"this skseq2seq reads versions {list(READABLE_VERSIONS)}. Save it "
            "again with "
            "the skseq2seq that wrote it, via sktime's save(), or refit."
        )
    try:
        state_dicts = torch.load(
            io.BytesIO(weights_bytes), weights_only=True, map_location="cpu"
        )
    except (pickle.UnpicklingError, RuntimeError, AttributeError, EOFError) as error:
        raise ValueError(
            f"Refused to load the weights in {path}: they are damaged, or hold "
            "something other than tensors, which a file written by save_safe "
            "never does. Do not trust this file: save the forecaster again, or "
            "load an intact copy."
        ) from error
    params = {name: _decode(value) for name, value in document["params"].items()}
    unknown = set(params) - set(cls.get_param_names())
    if unknown:
        raise ValueError(f"{path} has parameters {cls.__name__} lacks: {unknown}.")
    forecaster = cls(**params)
    try:  # an optimizer named "os.system" is refused here, not at a later fit
        check_params(forecaster.get_params(deep=False), cls._parameter_constraints)
    except ValueError as error:
        raise ValueError(f"{path} has an invalid parameter: {error}") from error
    attributes = {}
    for name, value in document["state"].items():
        # save_safe writes attributes, never a parameter or a dunder
        if name in params or name.startswith("__"):
            raise ValueError(f"{path} has an unexpected attribute {name!r}.")
        attributes[name] = _decode(value)
    try:
        attributes = upgrade_state(attributes)
    except KeyError as error:  # a version-4 file missing a fitted attribute
        raise ValueError(
            f"{path} lacks the attribute {error.args[0]!r} that a forecaster "
            "saved with save_safe holds. Do not trust this file."
        ) from error
    for name, value in attributes.items():
        setattr(forecaster, name, value)
    for name, hyperparameters in document["networks"].items():
        hyperparameters = _decode(hyperparameters)
        # written before the quantile head put its median first
        hyperparameters.setdefault("quantiles_from_median", False)
        network = Seq2SeqNetwork(**hyperparameters)
        network.load_state_dict(state_dicts[name])
        setattr(forecaster, name, network.eval())
    if "network_" in document["networks"] and not isinstance(
        getattr(forecaster, "_forecast_state", None), ForecastState
    ):
        raise ValueError(f"{path} holds a network but no forecast state.")
    return forecaster


#: What forecasters held before ForecastState (format 4, and their pickles).
_BEFORE_STATE = (
    "_recent",
    "_keys",
    "_ends",
    "_freq",
    "_index_names",
    "_target_names",
    "_constant",
    "_n_targets",
)


def upgrade_state(attributes):
    """Gather the attributes of a forecaster saved before ForecastState into one.

    ``attributes`` as its ``__dict__`` held them; anything newer is returned
    as it is.
    """
    if "_recent" not in attributes:
        return attributes
    attributes = dict(attributes)
    old = {name: attributes.pop(name, None) for name in _BEFORE_STATE}
    attributes["_forecast_state"] = ForecastState(
        recent=old["_recent"],
        ends=old["_ends"],
        keys=old["_keys"],
        freq=old["_freq"],
        index_names=old["_index_names"],
        target_names=old["_target_names"],
        covariates=attributes["covariates_"],
        past_covariates=attributes["past_covariates_"],
        loc=attributes["scale_loc_"],
        scale=attributes["scale_scale_"],
        constant=old["_constant"],
        log=attributes["log_targets_"],
        season=attributes["seasonal_period_"],
        seasonal=attributes["seasonal_series_"],
        window_length=attributes["window_length_"],
        horizon=attributes["horizon_"],
    )
    return attributes


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _plain_param(name, value):
    """Turn a parameter into something JSON holds, or say why it cannot be."""
    if isinstance(value, type):
        for module in (torch.optim, torch.optim.lr_scheduler):
            if getattr(module, value.__name__, None) is value:
                return value.__name__
        raise ValueError(
            f"{name}={value!r} is not a class of torch.optim, so save_safe cannot "
            "store it as a name. Save with sktime's save() (pickle) instead."
        )
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, np.random.RandomState):
        raise ValueError(
            "random_state is a RandomState instance, which JSON cannot hold. Fit "
            "with an int random_state to save safely, or use sktime's save()."
        )
    return value


def _encode(value):
    """Encode ``value`` as JSON, tagging the kinds JSON has no word for."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, dict):
        return {
            "__kind__": "dict",
            "items": [[_encode(k), _encode(v)] for k, v in value.items()],
        }
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {"__kind__": kind, "items": [_encode(v) for v in value]}
    if isinstance(value, np.ndarray) and value.dtype == object:
        return {
            "__kind__": "objects",
            "shape": list(value.shape),
            "items": [_encode(item) for item in value.ravel()],
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"save_safe cannot store an array of dtype {value.dtype}.")
        return {
            "__kind__": "ndarray",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "data": value.ravel().tolist(),
        }
    if isinstance(value, ForecastState):
        return {
            "__kind__": "forecast_state",
            "fields": {
                field.name: _encode(getattr(value, field.name))
                for field in dataclasses.fields(value)
            },
        }
    if isinstance(value, DtypeKind):
        return {"__kind__": "dtypekind", "value": value.value}
    if isinstance(value, torch.device):
        return {"__kind__": "device", "value": str(value)}
    if isinstance(value, pd.DataFrame):
        return {
            "__kind__": "frame",
            "index": _encode_index(value.index),
            "columns": _encode_index(value.columns),  # its name and levels too
            # by position: names such as 1 and "1" write alike
            "data": [_encode(column.to_numpy()) for _, column in value.items()],
        }
    if isinstance(value, pd.Index):
        return _encode_index(value)
    if isinstance(value, pd.Timestamp):  # a panel's instance key, say
        return {
            "__kind__": "timestamp",
            "value": value.isoformat(),
            "tz": _tz_name(value.tz),
        }
    if isinstance(value, pd.Period):
        return {"__kind__": "period_scalar", "value": str(value), "freq": value.freqstr}
    if isinstance(value, ForecastingHorizon):
        return {
            "__kind__": "fh",
            "values": _encode_index(value.to_pandas()),
            "is_relative": value.is_relative,
            "freq": value.freq,
        }
    raise TypeError(f"save_safe cannot store a {type(value).__name__}: {value!r}")


def _tz_name(tz):
    """Name a time zone so that pandas reads it back; None for none.

    Refused where the name does not read back as the same zone: a dateutil
    zone prints as the path of its file, a fixed offset as the name it was
    given, which may be another zone's ("EST" for +02:00).
    """
    if tz is None:
        return None
    name = str(tz)
    # a winter and a summer day: the same offsets, or another zone of that name
    days = pd.to_datetime(["2000-01-15", "2000-07-15"])
    try:
        same = all(
            pd.Timestamp(day, tz=name).utcoffset()
            == pd.Timestamp(day, tz=tz).utcoffset()
            for day in days
        )
    except Exception:  # pandas' and the zone libraries' own errors
        same = False
    if not same:
        raise TypeError(
            f"save_safe cannot store the time zone {tz!r}, whose name {name!r} "
            "does not read back as that zone. Convert the index to a named zone "
            "first, e.g. y.tz_convert('Europe/Berlin'), or save with sktime's save()."
        )
    return name


def _encode_index(index):
    name = _encode(index.name)
    if isinstance(index, pd.MultiIndex):
        return {
            "__kind__": "multiindex",
            "levels": [
                _encode_index(index.get_level_values(i)) for i in range(index.nlevels)
            ],
            "names": _encode(list(index.names)),
        }
    if isinstance(index, pd.RangeIndex):
        return {
            "__kind__": "range",
            "start": index.start,
            "stop": index.stop,
            "step": index.step,
            "name": name,
        }
    if isinstance(index, pd.PeriodIndex):
        return {
            "__kind__": "period",
            "values": [str(p) for p in index],
            "freq": index.freqstr,
            "name": name,
        }
    if isinstance(index, pd.DatetimeIndex):
        return {
            "__kind__": "datetime",
            "values": [t.isoformat() for t in index],
            "freq": index.freqstr,
            "tz": _tz_name(index.tz),
            "unit": index.unit,
            "name": name,
        }
    if isinstance(index, pd.TimedeltaIndex):  # a horizon of time deltas
        return {
            "__kind__": "timedelta",
            "values": index.asi8.tolist(),
            "freq": index.freqstr,
            "unit": index.unit,
            "name": name,
        }
    return {
        "__kind__": "index",
        "values": _encode(index.to_numpy()),
        "name": name,
    }


def _decode(value):
    """Rebuild what :func:`_encode` wrote; only the kinds it writes are accepted."""
    if not isinstance(value, dict):
        return value
    kind = value.get("__kind__")
    if kind == "dict":
        return {_decode(k): _decode(v) for k, v in value["items"]}
    if kind == "list":
        return [_decode(v) for v in value["items"]]
    if kind == "tuple":
        return tuple(_decode(v) for v in value["items"])
    if kind == "ndarray":
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "biuf":
            raise ValueError(f"save_safe never writes arrays of dtype {dtype}.")
        return np.asarray(value["data"], dtype=dtype).reshape(value["shape"])
    if kind == "objects":
        items = np.empty(len(value["items"]), dtype=object)
        items[:] = [_decode(item) for item in value["items"]]
        return items.reshape(value["shape"])
    if kind == "forecast_state":
        names = {field.name for field in dataclasses.fields(ForecastState)}
        if set(value["fields"]) != names:
            raise ValueError("save_safe writes every field of a ForecastState.")
        return ForecastState(
            **{name: _decode(field) for name, field in value["fields"].items()}
        )
    if kind == "timestamp":
        stamp = pd.Timestamp(value["value"])
        return stamp if value["tz"] is None else stamp.tz_convert(value["tz"])
    if kind == "period_scalar":
        return pd.Period(value["value"], freq=value["freq"])
    if kind == "dtypekind":
        return DtypeKind(value["value"])
    if kind == "device":
        return torch.device(value["value"])
    if kind == "frame":
        columns = _decode(value["columns"])
        # files written before frames kept their index held RangeIndex ones
        index = _decode(value["index"]) if "index" in value else None
        data = value["data"]
        if isinstance(data, dict):  # files before version 6 keyed it by name
            data = [data[str(c)] for c in columns]
        frame = pd.DataFrame(dict(enumerate(map(_decode, data))), index=index)
        frame.columns = columns
        return frame
    if kind == "fh":
        return ForecastingHorizon(
            _decode(value["values"]),
            is_relative=value["is_relative"],
            freq=value["freq"],
        )
    if kind == "multiindex":
        levels = [_decode(level) for level in value["levels"]]
        return pd.MultiIndex.from_arrays(levels, names=_decode(value["names"]))
    if kind == "range":
        return pd.RangeIndex(
            value["start"], value["stop"], value["step"], name=_decode(value["name"])
        )
    if kind == "period":
        return pd.PeriodIndex(
            value["values"], freq=value["freq"], name=_decode(value["name"])
        )
    if kind == "datetime":
        if value["tz"] is None:
            index = pd.to_datetime(value["values"])
        else:  # the strings carry UTC offsets; the zone's name comes back here
            index = pd.to_datetime(value["values"], utc=True).tz_convert(value["tz"])
        index = pd.DatetimeIndex(index.as_unit(value["unit"]), freq=value["freq"])
        return index.rename(_decode(value["name"]))
    if kind == "timedelta":
        index = pd.to_timedelta(value["values"], unit=value["unit"])
        index = pd.TimedeltaIndex(index.as_unit(value["unit"]), freq=value["freq"])
        return index.rename(_decode(value["name"]))
    if kind == "index":
        return pd.Index(_decode(value["values"]), name=_decode(value["name"]))
    raise ValueError(f"save_safe never writes a value of kind {kind!r}.")
