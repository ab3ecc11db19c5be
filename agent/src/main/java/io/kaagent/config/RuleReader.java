package io.kaagent.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.kaagent.policy.CidrBlock;
import io.kaagent.policy.Direction;
import io.kaagent.policy.HostGlob;
import io.kaagent.policy.InvalidValueException;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.PortRange;
import io.kaagent.policy.Rule;

/**
 * Reads one entry of {@code rules:}, reporting every mistake in it. It reads the items of its three list criteria
 * itself ({@link Nodes.ItemReader}): a parser class per criterion cost a fresh container's first start a class load
 * each (~0.2-0.3 ms) on the way to the policy's verdict.
 */
final class RuleReader implements Nodes.ItemReader {
    static final List<String> CRITERIA = Collections.unmodifiableList(
            Arrays.asList("name", "host", "cidr", "port", "direction", "keepalive"));
    static final List<String> KEYS;

    static {
        List<String> keys = new ArrayList<String>();
        keys.addAll(CRITERIA);
        keys.addAll(SettingsReader.KEYS);
        KEYS = Collections.unmodifiableList(keys);
    }

    private static final int MAX_NAME_LENGTH = 100;

    private final String path;
    private final ProblemList problems;
    private final List<HostGlob> hosts = new ArrayList<HostGlob>();
    private final List<CidrBlock> cidrs = new ArrayList<CidrBlock>();
    private final List<PortRange> ports = new ArrayList<PortRange>();
    /** The key whose items {@link #item} receives: host, cidr or port. */
    private String criterion;

    private RuleReader(String path, ProblemList problems) {
        this.path = path;
        this.problems = problems;
    }

    /**
     * The rule, resolved over {@code defaults}; null when it has a mistake (every mistake is recorded).
     *
     * @param path {@code rules[3]}
     */
    static Rule read(YamlNode node, String path, PartialSettings defaults, ProblemList problems) {
        if (!node.isMapping()) {
            problems.error(node, path + ": " + Nodes.found(node) + "; expected a rule, a mapping with a name, "
                    + "its criteria and its settings");
            return null;
        }
        return new RuleReader(path, problems).read(node, defaults);
    }

    private Rule read(YamlNode node, PartialSettings defaults) {
        int errorsBefore = problems.errorCount();
        MappingView rule = MappingView.read(node, path, KEYS, Collections.<String, String>emptyMap(), problems);
        String name = name(rule);
        Rule.Builder builder = Rule.builder(name == null ? "?" : name);
        readHosts(rule, builder);
        readCidrs(rule, builder);
        readPorts(rule, builder);
        readDirection(rule, builder);
        boolean keepaliveOff = readKeepalive(rule);
        PartialSettings declared = SettingsReader.read(rule, path, problems);
        if (keepaliveOff) {
            builder.keepaliveOff();
            rejectSettingsBesideKeepaliveOff(rule);
        }
        builder.settings(declared);
        if (name == null || problems.errorCount() > errorsBefore) {
            return null;
        }
        try {
            return builder.build(defaults);
        } catch (InvalidValueException e) {
            problems.error(node, path + ": " + e.getMessage());
            return null;
        }
    }

    private String name(MappingView rule) {
        YamlNode node = rule.value("name");
        if (node == null) {
            problems.error(rule.node(), path + ": missing key name; every rule needs a name, it appears in logs, "
                    + "explain and JMX");
            return null;
        }
        String name = Nodes.text(node, path + ".name", "a rule name", problems);
        if (name == null) {
            return null;
        }
        String problem = name.trim().isEmpty() ? "is empty"
                : name.length() > MAX_NAME_LENGTH ? "is longer than " + MAX_NAME_LENGTH + " characters"
                : hasControlCharacter(name) ? "contains a control character" : null;
        if (problem != null) {
            problems.error(node, path + ".name: the name " + problem);
            return null;
        }
        return name;
    }

    private static boolean hasControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private void readHosts(MappingView rule, Rule.Builder builder) {
        builder.hosts(readItems(rule, "host", "a host glob such as *.db.internal", hosts));
    }

    private void readCidrs(MappingView rule, Rule.Builder builder) {
        builder.cidrs(readItems(rule, "cidr", "a CIDR block such as 10.0.0.0/8", cidrs));
    }

    private void readPorts(MappingView rule, Rule.Builder builder) {
        builder.ports(readItems(rule, "port", "a port such as 5432 or a range such as 5432-5439", ports));
    }

    /** Collects the items of the criterion {@code key} into {@code into} (through {@link #item}). */
    private <T> List<T> readItems(MappingView rule, String key, String expected, List<T> into) {
        YamlNode node = rule.value(key);
        if (node != null) {
            criterion = key;
            Nodes.forEachItem(node, Nodes.join(path, key), expected, problems, this);
        }
        return into;
    }

    @Override
    public void item(String text, YamlNode item, String itemPath) {
        try {
            if ("host".equals(criterion)) {
                hosts.add(HostGlob.parse(text));
            } else if ("cidr".equals(criterion)) {
                cidrs.add(CidrBlock.parse(text));
            } else {
                ports.add(PortRange.parse(text));
            }
        } catch (InvalidValueException e) {
            problems.error(item, itemPath + ": " + e.getMessage());
        }
    }

    private void readDirection(MappingView rule, Rule.Builder builder) {
        YamlNode node = rule.value("direction");
        if (node == null) {
            return;
        }
        String text = Nodes.text(node, path + ".direction", "outbound, inbound or both", problems);
        if ("outbound".equals(text)) {
            builder.directions(Direction.OUTBOUND);
        } else if ("inbound".equals(text)) {
            builder.directions(Direction.INBOUND);
        } else if ("both".equals(text)) {
            builder.directions(Direction.OUTBOUND, Direction.INBOUND);
        } else if (text != null) {
            problems.error(node, path + ".direction: \"" + text + "\" is not allowed, use outbound, inbound or both");
        }
    }

    private boolean readKeepalive(MappingView rule) {
        YamlNode node = rule.value("keepalive");
        if (node == null) {
            return false;
        }
        String text = Nodes.text(node, path + ".keepalive", "off (or on, the default)", problems);
        if ("off".equals(text) || "false".equals(text)) {
            return true;
        }
        if (text != null && !"on".equals(text) && !"true".equals(text)) {
            problems.error(node, path + ".keepalive: \"" + text + "\" is not allowed, use off (or on, the default)");
        }
        return false;
    }

    /** A rule that leaves the socket untouched has nothing to set; a value here means the author expects otherwise. */
    private void rejectSettingsBesideKeepaliveOff(MappingView rule) {
        for (String key : SettingsReader.KEYS) {
            if (rule.has(key)) {
                problems.error(rule.keyNode(key), path + "." + key
                        + ": not allowed with keepalive: off, which leaves the socket untouched");
            }
        }
    }
}
