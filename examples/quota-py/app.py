"""quota: an ethwasm plugin written in Python (componentize-py).

Renders a ResourceQuota and a LimitRange for the release's namespace, so a private network
cannot starve the cluster, and containers without resources get sane defaults. Values
(section `quota`): hard limits and container defaults, all optional.

Build: componentize-py -d ../../wit -w plugin-world componentize app -o quota.wasm
"""
import json

from wit_world import exports
from wit_world.imports import host, types
from componentize_py_types import Err

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "hard": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
        "defaultRequest": {"type": "object", "additionalProperties": {"type": "string"}},
        "defaultLimit": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

DEFAULTS = {
    "hard": {"requests.cpu": "8", "requests.memory": "32Gi", "persistentvolumeclaims": 50, "pods": 100},
    "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
    "defaultLimit": {"memory": "4Gi"},
}


class Plugin(exports.Plugin):
    def info(self) -> types.PluginInfo:
        return types.PluginInfo(
            name="quota",
            version="0.1.0",
            description="ResourceQuota and LimitRange for the release namespace (a Python plugin)",
            provides=[],
            requires=[],
            values_schema=json.dumps(SCHEMA),
        )

    def render(self, input: types.RenderInput) -> types.RenderOutput:
        try:
            values = json.loads(input.values)
        except ValueError as e:
            raise Err(types.PluginError_InvalidValues(f"values are not JSON: {e}"))
        merged = {k: {**DEFAULTS[k], **values.get(k, {})} for k in DEFAULTS}
        hard = {k: str(v) for k, v in merged["hard"].items()}
        name = f"{input.release.name}-quota"
        labels = {"app.kubernetes.io/name": "quota", "app.kubernetes.io/instance": input.release.name}
        quota = {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": name, "labels": labels},
            "spec": {"hard": dict(sorted(hard.items()))},
        }
        limits = {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": name, "labels": labels},
            "spec": {"limits": [{
                "type": "Container",
                "defaultRequest": merged["defaultRequest"],
                "default": merged["defaultLimit"],
            }]},
        }
        host.log(types.Level.INFO, f"quota for namespace {input.release.namespace}: {len(hard)} limits")
        return types.RenderOutput(
            manifests=[json.dumps(quota), json.dumps(limits)],
            outputs=[],
            notes=f"Quota: kubectl -n {input.release.namespace} describe resourcequota {name}",
        )
