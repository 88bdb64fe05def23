#!/usr/bin/env python3
"""Writes infra/template.yaml with its provider loops expanded, as CloudFormation's
AWS::LanguageExtensions transform hands it on: one plain resource per provider.

    expand-template.py <template> <expanded.json> [<scan.json>]

<expanded.json> is what tests/tests/infra_template.rs checks. <scan.json> is the same
template for checkov, with every optional part switched on: KmsKeyArn set to an example
key and DeployExampleConsumer=true (checkov resolves parameters to their defaults and
drops resources whose condition is false, so a scan of the defaults would not see the
example consumer nor the customer-managed key).

Only Fn::ForEach is expanded (with SAM CLI's implementation of the transform, run by
`sam build --language-extensions`). SAM CLI's `expand_language_extensions` would go
further and resolve every parameter to its default and every condition, which would
leave one deployment's values where the tests check which parameter each value comes
from. Besides the loop, the transform resolves a Ref to a name made with Fn::Sub from
the loop variable (`{Ref: !Sub "${Provider}Secret"}`); that is done here as well, and
so is what CloudFormation does with the provider's Mappings row whatever the
parameters: a Fn::FindInMap with literal keys becomes the mapped value, and a Fn::Sub
whose variables are then all literal strings takes them in (a plain string when nothing
is left to substitute).
"""

import json
import sys

from samcli.lib.cfn_language_extensions.api import create_default_intrinsic_resolver
from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
from samcli.lib.cfn_language_extensions.pipeline import ProcessingPipeline
from samcli.lib.cfn_language_extensions.processors.foreach import ForEachProcessor
from samcli.lib.cfn_language_extensions.processors.parsing import TemplateParsingProcessor
from samcli.yamlhelper import yaml_parse

# An example key for the scan: the account id and key id are placeholders.
SCAN_KMS_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def expand_loops(template):
    context = TemplateProcessingContext(fragment=template)
    resolver = create_default_intrinsic_resolver(context)
    ProcessingPipeline([TemplateParsingProcessor(), ForEachProcessor(resolver)]).process_template(
        context
    )
    expanded = resolve_sub_refs(context.fragment)
    return resolve_literal_maps(expanded, expanded.get("Mappings", {}))


def resolve_sub_refs(node):
    """`{"Ref": {"Fn::Sub": "KiteSecret"}}` (no variable left) becomes `{"Ref": "KiteSecret"}`."""
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(node.get("Ref"), dict):
            sub = node["Ref"].get("Fn::Sub")
            if isinstance(sub, str) and "${" not in sub:
                return {"Ref": sub}
        return {key: resolve_sub_refs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_sub_refs(item) for item in node]
    return node


def resolve_literal_maps(node, mappings):
    """`{"Fn::FindInMap": ["Providers", "Kite", "Name"]}` becomes `"kite"`; then
    `{"Fn::Sub": ["POST ${Path}", {"Path": "/webhooks/kite"}]}` becomes
    `"POST /webhooks/kite"` (or `{"Fn::Sub": "..."}` while `${AWS::...}` and the like
    remain)."""
    if isinstance(node, list):
        return [resolve_literal_maps(item, mappings) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: resolve_literal_maps(value, mappings) for key, value in node.items()}
    if len(node) != 1:
        return node
    (function, arguments), = node.items()
    if function == "Fn::FindInMap" and all(isinstance(a, str) for a in arguments):
        name, top, second = arguments
        return mappings[name][top][second]
    if (
        function == "Fn::Sub"
        and isinstance(arguments, list)
        and all(isinstance(v, str) for v in arguments[1].values())
    ):
        text = arguments[0]
        for variable, value in arguments[1].items():
            text = text.replace("${" + variable + "}", value)
        return {"Fn::Sub": text} if "${" in text else text
    return node


def loops_left(node):
    if isinstance(node, dict):
        return any(k.startswith("Fn::ForEach") or loops_left(v) for k, v in node.items())
    if isinstance(node, list):
        return any(loops_left(item) for item in node)
    return False


def for_scan(expanded):
    scan = json.loads(json.dumps(expanded))
    parameters = scan["Parameters"]
    parameters["KmsKeyArn"]["Default"] = SCAN_KMS_KEY_ARN
    parameters["DeployExampleConsumer"]["Default"] = "true"
    return scan


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as source:
        template = yaml_parse(source.read())
    expanded = expand_loops(template)
    if loops_left(expanded):
        sys.exit(f"{argv[1]}: an Fn::ForEach is left after expansion")
    outputs = [(argv[2], expanded)]
    if len(argv) == 4:
        outputs.append((argv[3], for_scan(expanded)))
    for path, document in outputs:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)
            out.write("\n")


if __name__ == "__main__":
    main(sys.argv)
