#!/usr/bin/env python3
"""Writes infra/template.yaml as CloudFormation deploys it, once per ingress mode (the
Ingress parameter: HttpApi, FunctionUrl): its provider loops expanded, as the
AWS::LanguageExtensions transform hands it on, one plain resource per provider.

    expand-template.py <template> <out-dir>

For each mode M it writes into <out-dir>:

  expanded-template-M.json   what tests/tests/infra_template.rs checks;
  translated-M.json          the same through the SAM transform (SAM CLI's own translator,
                             offline): the plain CloudFormation SAM makes of it, such as
                             the HTTP API with its routes and permissions, or each function
                             URL with its public permissions;
  scan-template-M.json       what checkov scans: translated-M.json with every optional part
                             switched on, KmsKeyArn set to an example key and
                             DeployExampleConsumer=true (checkov resolves parameters to
                             their defaults and drops resources whose condition is false,
                             so a scan of the defaults would not see the example consumer
                             nor the customer-managed key). Translated, because checkov
                             does not look inside SAM resources for what SAM makes of them
                             (a function URL, the API's stage); each generated resource
                             carries its function's Metadata, checkov skips included.

Only Fn::ForEach and the ingress choice are resolved (with SAM CLI's implementation of
the transform, run by `sam build --language-extensions`, and the code below). SAM CLI's
`expand_language_extensions` would go further and resolve every parameter to its
default and every condition, which would leave one deployment's values where the tests
check which parameter each value comes from. Besides the loop, the transform resolves a
Ref or Fn::GetAtt to a name made with Fn::Sub from the loop variable
(`{Ref: !Sub "${Provider}Secret"}`); that is done here as well, and so is what
CloudFormation does with the provider's Mappings row whatever the parameters: a
Fn::FindInMap with literal keys becomes the mapped value, and a Fn::Sub whose variables
are then all literal strings, or Fn::Sub texts of their own, takes them in (a plain
string when nothing is left to substitute).

The ingress choice: at deploy, AWS::LanguageExtensions resolves each Fn::If whose
condition it can evaluate with the stack's parameters before the SAM transform runs;
the template relies on that for the functions' Events and FunctionUrlConfig, which SAM
itself cannot take conditionally. Here the conditions that compare Ingress with a value
are evaluated for M, each Fn::If on them replaced by its branch (a branch that is
AWS::NoValue removes the property), and resources and outputs whose Condition is one of
them and false are left out, as CloudFormation does not create them.
"""

import copy
import json
import logging
import sys

from samcli.lib.cfn_language_extensions.api import create_default_intrinsic_resolver
from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
from samcli.lib.cfn_language_extensions.pipeline import ProcessingPipeline
from samcli.lib.cfn_language_extensions.processors.foreach import ForEachProcessor
from samcli.lib.cfn_language_extensions.processors.parsing import TemplateParsingProcessor
from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

INGRESS_PARAMETER = "Ingress"
INGRESS_MODES = ("HttpApi", "FunctionUrl")

# An example key for the scan: the account id and key id are placeholders.
SCAN_KMS_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The SAM transform wants every CodeUri as an S3 location, as `sam deploy` leaves it
# after uploading the built artifacts; the value is never read.
PACKAGED_CODE_URI = "s3://brokerhooks-artifacts/function.zip"

NO_VALUE = {"Ref": "AWS::NoValue"}
# What a chosen AWS::NoValue leaves: nothing (see choose_branches).
REMOVED = object()


def expand_loops(template):
    context = TemplateProcessingContext(fragment=template)
    resolver = create_default_intrinsic_resolver(context)
    ProcessingPipeline([TemplateParsingProcessor(), ForEachProcessor(resolver)]).process_template(
        context
    )
    expanded = resolve_sub_names(context.fragment)
    return resolve_literal_maps(expanded, expanded.get("Mappings", {}))


def resolve_sub_names(node):
    """`{"Ref": {"Fn::Sub": "KiteSecret"}}` (no variable left) becomes `{"Ref": "KiteSecret"}`;
    `{"Fn::GetAtt": [{"Fn::Sub": "KiteFunctionUrl"}, "FunctionUrl"]}` likewise."""
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(node.get("Ref"), dict):
            name = literal_sub(node["Ref"])
            if name is not None:
                return {"Ref": name}
        if len(node) == 1 and isinstance(node.get("Fn::GetAtt"), list):
            resource, *attribute = node["Fn::GetAtt"]
            name = literal_sub(resource) if isinstance(resource, dict) else None
            if name is not None:
                return {"Fn::GetAtt": [name, *attribute]}
        return {key: resolve_sub_names(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_sub_names(item) for item in node]
    return node


def literal_sub(node):
    sub = node.get("Fn::Sub")
    return sub if isinstance(sub, str) and "${" not in sub else None


def resolve_literal_maps(node, mappings):
    """`{"Fn::FindInMap": ["Providers", "Kite", "Name"]}` becomes `"kite"`; then
    `{"Fn::Sub": ["POST ${Path}", {"Path": "/webhooks/kite"}]}` becomes
    `"POST /webhooks/kite"` (or `{"Fn::Sub": "..."}` while `${AWS::...}` and the like
    remain). A variable whose value is a Fn::Sub text, `{"Fn::Sub": "...${AWS::StackName}"}`,
    is taken in as that text: substituting it later gives the same string."""
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
    if function == "Fn::Sub" and isinstance(arguments, list):
        texts = {variable: sub_text(value) for variable, value in arguments[1].items()}
        if all(text is not None for text in texts.values()):
            text = arguments[0]
            for variable, value in texts.items():
                text = text.replace("${" + variable + "}", value)
            return {"Fn::Sub": text} if "${" in text else text
    return node


def sub_text(value):
    """The text a Fn::Sub variable stands for, if it is a literal or a Fn::Sub string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
        return value["Fn::Sub"]
    return None


def loops_left(node):
    if isinstance(node, dict):
        return any(k.startswith("Fn::ForEach") or loops_left(v) for k, v in node.items())
    if isinstance(node, list):
        return any(loops_left(item) for item in node)
    return False


def ingress_conditions(template, mode):
    """The conditions that compare Ingress with a value, and their value for `mode`."""
    known = {}
    for name, condition in template.get("Conditions", {}).items():
        equals = condition.get("Fn::Equals") if isinstance(condition, dict) else None
        if isinstance(equals, list) and equals[0] == {"Ref": INGRESS_PARAMETER}:
            known[name] = equals[1] == mode
    if not known:
        sys.exit(f"no condition compares {INGRESS_PARAMETER} with a value")
    return known


def choose_branches(node, known):
    """Each `Fn::If` on a known condition becomes its branch; a chosen AWS::NoValue
    removes the property or list item that held the `Fn::If`."""
    if isinstance(node, list):
        items = [choose_branches(item, known) for item in node]
        return [item for item in items if item is not REMOVED]
    if not isinstance(node, dict):
        return node
    condition_if = node.get("Fn::If")
    if len(node) == 1 and isinstance(condition_if, list) and condition_if[0] in known:
        _, when_true, when_false = condition_if
        chosen = when_true if known[condition_if[0]] else when_false
        return REMOVED if chosen == NO_VALUE else choose_branches(chosen, known)
    chosen = {key: choose_branches(value, known) for key, value in node.items()}
    return {key: value for key, value in chosen.items() if value is not REMOVED}


def for_mode(expanded, mode):
    known = ingress_conditions(expanded, mode)
    template = choose_branches(copy.deepcopy(expanded), known)
    for section in ("Resources", "Outputs"):
        template[section] = {
            name: entry
            for name, entry in template[section].items()
            if known.get(entry.get("Condition"), True)
        }
    template["Parameters"][INGRESS_PARAMETER]["Default"] = mode
    # A Fn::Sub whose variables were chosen branches may now take them in.
    return resolve_literal_maps(template, template.get("Mappings", {}))


def for_scan(template):
    scan = copy.deepcopy(template)
    parameters = scan["Parameters"]
    parameters["KmsKeyArn"]["Default"] = SCAN_KMS_KEY_ARN
    parameters["DeployExampleConsumer"]["Default"] = "true"
    return scan


class NoManagedPolicies:
    """The template names no managed policy; the translator asks only when one is used."""

    def load(self):
        return {}


def translated(template):
    # Its usage metrics have nowhere to go offline; their warning is noise here.
    logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)
    packaged = copy.deepcopy(template)
    packaged["Transform"] = "AWS::Serverless-2016-10-31"
    packaged["Globals"]["Function"]["CodeUri"] = PACKAGED_CODE_URI
    for resource in packaged["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = PACKAGED_CODE_URI
    parameters = {name: p["Default"] for name, p in packaged["Parameters"].items() if "Default" in p}
    return transform(packaged, parameters, NoManagedPolicies(), passthrough_metadata=True)


def write(path, document):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
        out.write("\n")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    source, out_dir = argv[1], argv[2]
    with open(source, encoding="utf-8") as text:
        template = yaml_parse(text.read())
    expanded = expand_loops(template)
    if loops_left(expanded):
        sys.exit(f"{source}: an Fn::ForEach is left after expansion")
    if set(expanded["Parameters"][INGRESS_PARAMETER]["AllowedValues"]) != set(INGRESS_MODES):
        sys.exit(f"{source}: {INGRESS_PARAMETER} allows other values than {INGRESS_MODES}")
    for mode in INGRESS_MODES:
        deployed = for_mode(expanded, mode)
        write(f"{out_dir}/expanded-template-{mode}.json", deployed)
        write(f"{out_dir}/translated-{mode}.json", translated(deployed))
        write(f"{out_dir}/scan-template-{mode}.json", translated(for_scan(deployed)))


if __name__ == "__main__":
    main(sys.argv)
