"""POST /prompt validation, ported from ComfyUI's execution.validate_prompt / validate_inputs with its quirks:

* inputs are visited in set order, and validation converts INT/FLOAT/STRING/BOOLEAN values in place
  (the queued graph carries the converted values);
* a bad link on an output node raises inside validate_inputs and surfaces as exception_during_validation,
  a bad link further upstream as exception_during_inner_validation blamed on the linked node;
* every failing output is appended to dependent_outputs of every node with errors seen so far.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from .node_inputs import get_input_data, get_input_info
from .node_types import NodeDef

Catalog = dict[str, NodeDef]
ValidationResult = tuple[Any, list, str]


def full_type_name(klass: type) -> str:
    return klass.__qualname__ if klass.__module__ == "builtins" else f"{klass.__module__}.{klass.__qualname__}"


def validate_node_input(received_type: Any, input_type: Any, strict: bool = False) -> bool:
    if received_type == input_type:
        return True
    if not isinstance(received_type, str) or not isinstance(input_type, str):
        return False
    received_types = {t.strip() for t in received_type.split(",")}
    input_types = {t.strip() for t in input_type.split(",")}
    if "*" in received_types or "*" in input_types:
        return True
    if received_types == input_types:
        return True
    if strict:
        return input_types.issubset(received_types)
    return len(received_types & input_types) > 0


def _error(kind: str, message: str, details: str, extra_info: dict) -> dict:
    return {"type": kind, "message": message, "details": details, "extra_info": extra_info}


def _check_constant(
    x: str, val: Any, input_type: Any, extra_info: dict, info: tuple, inputs: dict, range_checked: bool
) -> dict | None:
    try:
        # {"__value__": [...]} carries a list widget value, since a bare list means a link.
        if isinstance(val, dict) and "__value__" in val:
            val = val["__value__"]
            inputs[x] = val
        for type_name, convert in (("INT", int), ("FLOAT", float), ("STRING", str), ("BOOLEAN", bool)):
            if input_type == type_name:
                val = convert(val)
                inputs[x] = val
    except Exception as ex:
        return _error(
            "invalid_input_type",
            f"Failed to convert an input value to a {input_type} value",
            f"{x}, {val}, {ex}",
            {"input_name": x, "input_config": info, "received_value": val, "exception_message": str(ex)},
        )
    if not range_checked:
        return None
    if "min" in extra_info and val < extra_info["min"]:
        return _error(
            "value_smaller_than_min",
            "Value {} smaller than min of {}".format(val, extra_info["min"]),
            f"{x}",
            {"input_name": x, "input_config": info, "received_value": val},
        )
    if "max" in extra_info and val > extra_info["max"]:
        return _error(
            "value_bigger_than_max",
            "Value {} bigger than max of {}".format(val, extra_info["max"]),
            f"{x}",
            {"input_name": x, "input_config": info, "received_value": val},
        )
    if isinstance(input_type, list) or input_type == "COMBO":
        combo_options = extra_info.get("options", []) if input_type == "COMBO" else input_type
        if val not in combo_options:
            input_config: Any = info
            if len(combo_options) > 20:
                # The real server does not echo long lists (e.g. every scanned model file).
                list_info = f"(list of length {len(combo_options)})"
                input_config = None
            else:
                list_info = str(combo_options)
            return _error(
                "value_not_in_list",
                "Value not in list",
                f"{x}: '{val}' not in {list_info}",
                {"input_name": x, "input_config": input_config, "received_value": val},
            )
    return None


def validate_inputs(catalog: Catalog, prompt: dict, item: str, validated: dict) -> ValidationResult:
    unique_id = item
    if unique_id in validated:
        return validated[unique_id]
    inputs = prompt[unique_id]["inputs"]
    obj_class = catalog[prompt[unique_id]["class_type"]]
    class_inputs = obj_class.input_types()
    valid_inputs = set(class_inputs.get("required", {})).union(set(class_inputs.get("optional", {})))
    validate_function_inputs = obj_class.validate_input_names if obj_class.validate_inputs else ()

    errors: list[dict] = []
    valid = True
    for x in valid_inputs:
        input_type, input_category, extra_info = get_input_info(obj_class, x, class_inputs)
        if x not in inputs:
            if input_category == "required":
                errors.append(_error("required_input_missing", "Required input is missing", f"{x}", {"input_name": x}))
            continue
        val = inputs[x]
        info = (input_type, extra_info)
        if not isinstance(val, list):
            error = _check_constant(x, val, input_type, extra_info, info, inputs, x not in validate_function_inputs)
            if error is not None:
                errors.append(error)
            continue
        if len(val) != 2:
            errors.append(
                _error(
                    "bad_linked_input",
                    "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                    f"{x}",
                    {"input_name": x, "input_config": info, "received_value": val},
                )
            )
            continue
        o_id = val[0]
        # These lookups raise KeyError/IndexError on a dangling link; the caller reports the exception.
        received_type = catalog[prompt[o_id]["class_type"]].return_types[val[1]]
        if not validate_node_input(received_type, input_type):
            errors.append(
                _error(
                    "return_type_mismatch",
                    "Return type mismatch between linked nodes",
                    f"{x}, received_type({received_type}) mismatch input_type({input_type})",
                    {"input_name": x, "input_config": info, "received_type": received_type, "linked_node": val},
                )
            )
            continue
        try:
            upstream = validate_inputs(catalog, prompt, o_id, validated)
            if upstream[0] is False:
                valid = False
                continue
        except Exception as ex:
            typ, _, tb = sys.exc_info()
            valid = False
            validated[o_id] = (
                False,
                [
                    _error(
                        "exception_during_inner_validation",
                        "Exception when validating inner node",
                        str(ex),
                        {
                            "input_name": x,
                            "input_config": info,
                            "exception_message": str(ex),
                            "exception_type": full_type_name(typ),
                            "traceback": traceback.format_tb(tb),
                            "linked_node": val,
                        },
                    )
                ],
                o_id,
            )
            continue

    if obj_class.validate_inputs is not None:
        input_data_all, _, _ = get_input_data(inputs, obj_class, unique_id)
        input_filtered = {x: v for x, v in input_data_all.items() if x in validate_function_inputs}
        # With nothing to pass (the input is missing) the function is still called, and raises TypeError.
        results = [obj_class.validate_inputs(**{k: v[0] for k, v in input_filtered.items()})]
        for x in input_filtered:
            for result in results:
                if result is not True:
                    details = f"{x}" if result is False else f"{x} - {result}"
                    errors.append(
                        _error(
                            "custom_validation_failed", "Custom validation failed for node", details, {"input_name": x}
                        )
                    )

    ret = (False, errors, unique_id) if errors or valid is not True else (True, [], unique_id)
    validated[unique_id] = ret
    return ret


def validate_prompt(
    catalog: Catalog, prompt: dict, partial_execution_list: list | None
) -> tuple[bool, dict | None, list, dict]:
    outputs = set()
    for x in prompt:
        if "class_type" not in prompt[x]:
            return (
                False,
                _error(
                    "invalid_prompt",
                    "Cannot execute because a node is missing the class_type property.",
                    f"Node ID '#{x}'",
                    {},
                ),
                [],
                {},
            )
        class_type = prompt[x]["class_type"]
        node = catalog.get(class_type, None)
        if node is None:
            return (
                False,
                _error(
                    "invalid_prompt", f"Cannot execute because node {class_type} does not exist.", f"Node ID '#{x}'", {}
                ),
                [],
                {},
            )
        if node.output_node is True and (partial_execution_list is None or x in partial_execution_list):
            outputs.add(x)
    if len(outputs) == 0:
        return (False, _error("prompt_no_outputs", "Prompt has no outputs", "", {}), [], {})

    good_outputs = set()
    failed: list[tuple[str, list]] = []
    node_errors: dict[str, dict] = {}
    validated: dict[str, ValidationResult] = {}
    for o in outputs:
        try:
            valid, reasons, _ = validate_inputs(catalog, prompt, o, validated)
        except Exception as ex:
            typ, _, tb = sys.exc_info()
            valid = False
            reasons = [
                _error(
                    "exception_during_validation",
                    "Exception when validating node",
                    str(ex),
                    {"exception_type": full_type_name(typ), "traceback": traceback.format_tb(tb)},
                )
            ]
            validated[o] = (False, reasons, o)
        if valid is True:
            good_outputs.add(o)
            continue
        failed.append((o, reasons))
        for node_id, result in validated.items():
            # Downstream nodes of a broken node are invalid too but carry no reasons; they are not reported.
            if result[0] is not True and len(result[1]) > 0:
                if node_id not in node_errors:
                    node_errors[node_id] = {
                        "errors": result[1],
                        "dependent_outputs": [],
                        "class_type": prompt[node_id]["class_type"],
                    }
                node_errors[node_id]["dependent_outputs"].append(o)

    if len(good_outputs) == 0:
        details = "\n".join(f"{error['message']}: {error['details']}" for _, errors in failed for error in errors)
        return (
            False,
            _error("prompt_outputs_failed_validation", "Prompt outputs failed validation", details, {}),
            list(good_outputs),
            node_errors,
        )
    return (True, None, list(good_outputs), node_errors)
