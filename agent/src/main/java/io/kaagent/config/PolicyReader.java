package io.kaagent.config;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.kaagent.policy.InvalidValueException;
import io.kaagent.policy.NatTimeoutCheck;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/** Reads the top level of a policy file: version, log, log_file, defaults and rules. */
final class PolicyReader {
    static final List<String> TOP_KEYS =
            Collections.unmodifiableList(Arrays.asList("version", "log", "log_file", "defaults", "rules"));

    /** Keys that belong to another level of the file: say where, instead of a bare "unknown key". */
    private static final Map<String, String> TOP_HINTS = new HashMap<String, String>();
    private static final Map<String, String> DEFAULTS_HINTS = new HashMap<String, String>();

    static {
        for (String key : SettingsReader.KEYS) {
            TOP_HINTS.put(key, key + " belongs under defaults: or in a rule");
        }
        for (String key : RuleReader.CRITERIA) {
            TOP_HINTS.put(key, key + " belongs in a rule, under rules:");
            DEFAULTS_HINTS.put(key, key + " belongs in a rule, not in defaults:");
        }
    }

    private final ProblemList problems;

    private PolicyReader(ProblemList problems) {
        this.problems = problems;
    }

    /** The policy, or null when the file has mistakes (every one recorded); warnings are recorded either way. */
    static Policy read(YamlNode root, String source, ProblemList problems) {
        if (!root.isMapping()) {
            problems.error(root, "found " + Nodes.kind(root) + "; a policy file is a mapping with the keys "
                    + "version, log, log_file, defaults and rules");
            return null;
        }
        return new PolicyReader(problems).read(root, source);
    }

    private Policy read(YamlNode root, String source) {
        MappingView top = MappingView.read(root, "", TOP_KEYS, TOP_HINTS, problems);
        readVersion(top);
        String logLevel = readLogLevel(top);
        String logFile = readLogFile(top);
        PartialSettings defaults = readDefaults(top);
        List<Rule> rules = readRules(top, defaults);
        if (problems.hasErrors()) {
            return null;
        }
        return new Policy(source, logLevel, logFile, defaults, rules);
    }

    private void readVersion(MappingView top) {
        YamlNode node = top.value("version");
        if (node == null) {
            if (!top.has("version")) {
                problems.error(top.node(), "missing key version; a policy file starts with version: 1");
            }
            return;
        }
        String text = Nodes.text(node, "version", "1", problems);
        if (text != null && !"1".equals(text)) {
            problems.error(node, text.matches("[0-9]+")
                    ? "version: " + text + " is not supported; this ka-agent reads version 1"
                    : "version: \"" + text + "\" is not a version number; write version: 1");
        }
    }

    private String readLogLevel(MappingView top) {
        YamlNode node = top.value("log");
        if (node == null) {
            return null;
        }
        String text = Nodes.text(node, "log", "a log level: off, error, warn, info or debug", problems);
        if (text == null) {
            return null;
        }
        String level = text.toLowerCase(Locale.ROOT);
        if (!Policy.LOG_LEVELS.contains(level)) {
            problems.error(node, "log: \"" + text + "\" is not a log level, allowed off, error, warn, info, debug");
            return null;
        }
        return level;
    }

    private String readLogFile(MappingView top) {
        YamlNode node = top.value("log_file");
        if (node == null) {
            return null;
        }
        String text = Nodes.text(node, "log_file", "an absolute file path", problems);
        if (text != null && (text.indexOf('\0') >= 0 || !new File(text).isAbsolute())) {
            problems.error(node, "log_file: \"" + text + "\" is not an absolute path; the application's working "
                    + "directory is not known in advance");
            return null;
        }
        return text;
    }

    private PartialSettings readDefaults(MappingView top) {
        YamlNode node = top.value("defaults");
        if (node == null) {
            return PartialSettings.EMPTY;
        }
        if (!node.isMapping()) {
            problems.error(node, "defaults: " + Nodes.found(node) + "; expected a mapping of "
                    + "idle, intvl, cnt, user_timeout, enforce and nat_timeout");
            return PartialSettings.EMPTY;
        }
        MappingView mapping = MappingView.read(node, "defaults", SettingsReader.KEYS,
                DEFAULTS_HINTS, problems);
        PartialSettings defaults = SettingsReader.read(mapping, "defaults", problems);
        try {
            defaults.over(PartialSettings.BUILT_IN_DEFAULTS).resolve();
        } catch (InvalidValueException e) {
            problems.error(node, "defaults: " + e.getMessage());
        }
        return defaults;
    }

    private List<Rule> readRules(MappingView top, PartialSettings defaults) {
        List<Rule> rules = new ArrayList<Rule>();
        YamlNode node = top.value("rules");
        if (node == null) {
            if (!top.has("rules")) {
                problems.warning(top.node(), "the policy has no rules; every socket is left untouched");
            }
            return rules;
        }
        if (!node.isSequence()) {
            problems.error(node, "rules: " + Nodes.found(node) + "; expected a list of rules, each starting "
                    + "with - name:");
            return rules;
        }
        List<YamlNode> items = node.items();
        if (items.isEmpty()) {
            problems.warning(node, "the policy has no rules; every socket is left untouched");
        }
        Map<String, Integer> firstIndexByName = new HashMap<String, Integer>();
        for (int i = 0; i < items.size(); i++) {
            String path = "rules[" + i + "]";
            rejectDuplicateName(items.get(i), path, i, firstIndexByName);
            Rule rule = RuleReader.read(items.get(i), path, defaults, problems);
            if (rule != null) {
                rules.add(rule);
                for (String warning : NatTimeoutCheck.warnings(rule)) {
                    problems.warning(items.get(i), warning);
                }
            }
        }
        return rules;
    }

    private void rejectDuplicateName(YamlNode ruleNode, String path, int index, Map<String, Integer> firstIndexByName) {
        if (!ruleNode.isMapping()) {
            return;
        }
        for (int entry = 0; entry < ruleNode.entryCount(); entry++) {
            YamlNode key = ruleNode.keyAt(entry);
            YamlNode value = ruleNode.valueAt(entry);
            if (key.isScalar() && "name".equals(key.value()) && value.isScalar() && !value.isNull()) {
                String name = value.value();
                Integer first = firstIndexByName.get(name);
                if (first == null) {
                    firstIndexByName.put(name, index);
                } else {
                    problems.error(value, path + ".name: duplicate rule name \"" + name + "\", already used by rules["
                            + first + "]");
                }
                return;
            }
        }
    }
}
