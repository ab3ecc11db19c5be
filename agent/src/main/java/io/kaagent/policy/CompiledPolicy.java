package io.kaagent.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.kaagent.cache.EntryReader;
import io.kaagent.cache.EntryWriter;

/**
 * A policy as compact bytes, for the policy cache: what the YAML declared (the {@code defaults:} block and each rule's
 * criteria and own values), not what was resolved from it, so that reading it back goes through the same
 * {@link Policy} constructor, inheritance and indexes as reading the YAML. Only valid policies are ever written.
 */
public final class CompiledPolicy {
    private static final int FORMAT = 1;

    private CompiledPolicy() {
    }

    public static byte[] toBytes(Policy policy) {
        EntryWriter out = new EntryWriter(256);
        out.writeInt(FORMAT);
        out.writeString(policy.logLevel());
        writeNullable(out, policy.logFile());
        writeSettings(out, policy.declaredDefaults());
        out.writeInt(policy.rules().size());
        for (Rule rule : policy.rules()) {
            writeRule(out, rule);
        }
        return out.toByteArray();
    }

    /**
     * @param source the policy's source, as a read of its file would name it
     * @throws IOException when the bytes are not a policy of this format (the caller reads the YAML instead)
     */
    public static Policy fromBytes(byte[] data, String source) throws IOException {
        try {
            return read(data, source);
        } catch (RuntimeException e) {
            throw new IOException("not a valid compiled policy: " + e, e);
        }
    }

    private static Policy read(byte[] data, String source) throws IOException {
        EntryReader in = new EntryReader(data);
        if (in.readInt() != FORMAT) {
            throw new IOException("not a compiled policy of format " + FORMAT);
        }
        String logLevel = in.readString();
        String logFile = readNullable(in);
        PartialSettings defaults = readSettings(in);
        int count = in.readInt();
        if (count < 0 || count > data.length) {
            throw new IOException("bad rule count " + count);
        }
        List<Rule> rules = new ArrayList<Rule>(count);
        for (int i = 0; i < count; i++) {
            rules.add(readRule(in, defaults));
        }
        if (!in.atEnd()) {
            throw new IOException("trailing bytes after the last rule");
        }
        return new Policy(source, logLevel, logFile, defaults, rules);
    }

    private static void writeRule(EntryWriter out, Rule rule) {
        out.writeString(rule.name());
        out.writeInt(rule.hosts().size());
        for (HostGlob host : rule.hosts()) {
            out.writeString(host.pattern());
        }
        out.writeInt(rule.cidrs().size());
        for (CidrBlock cidr : rule.cidrs()) {
            out.writeString(cidr.toString());
        }
        out.writeInt(rule.ports().size());
        for (PortRange range : rule.ports()) {
            out.writeString(range.toString());
        }
        out.writeBoolean(rule.appliesTo(Direction.OUTBOUND));
        out.writeBoolean(rule.appliesTo(Direction.INBOUND));
        out.writeBoolean(rule.keepaliveOff());
        writeSettings(out, rule.declaredSettings());
    }

    private static Rule readRule(EntryReader in, PartialSettings defaults) throws IOException {
        Rule.Builder rule = Rule.builder(in.readString());
        try {
            List<HostGlob> hosts = new ArrayList<HostGlob>();
            for (int i = readSize(in); i > 0; i--) {
                hosts.add(HostGlob.parse(in.readString()));
            }
            List<CidrBlock> cidrs = new ArrayList<CidrBlock>();
            for (int i = readSize(in); i > 0; i--) {
                cidrs.add(CidrBlock.parse(in.readString()));
            }
            List<PortRange> ports = new ArrayList<PortRange>();
            for (int i = readSize(in); i > 0; i--) {
                ports.add(PortRange.parse(in.readString()));
            }
            rule.hosts(hosts).cidrs(cidrs).ports(ports);
        } catch (InvalidValueException e) {
            throw new IOException(e.getMessage(), e);
        }
        boolean outbound = in.readBoolean();
        boolean inbound = in.readBoolean();
        if (outbound && inbound) {
            rule.directions(Direction.OUTBOUND, Direction.INBOUND);
        } else if (inbound) {
            rule.directions(Direction.INBOUND);
        } else if (!outbound) {
            throw new IOException("a rule without a direction");
        }
        if (in.readBoolean()) {
            rule.keepaliveOff();
        }
        rule.settings(readSettings(in));
        try {
            return rule.build(defaults);
        } catch (InvalidValueException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static int readSize(EntryReader in) throws IOException {
        int size = in.readInt();
        if (size < 0 || size > 1 << 20) {
            throw new IOException("bad list size " + size);
        }
        return size;
    }

    private static void writeSettings(EntryWriter out, PartialSettings settings) {
        writeNullable(out, settings.idleSeconds());
        writeNullable(out, settings.intervalSeconds());
        writeNullable(out, settings.count());
        writeNullable(out, settings.userTimeout() == null ? null : settings.userTimeout().toString());
        writeNullable(out, settings.enforce() == null ? null : settings.enforce().toString());
        writeNullable(out, settings.natTimeoutSeconds());
    }

    private static PartialSettings readSettings(EntryReader in) throws IOException {
        PartialSettings settings = PartialSettings.EMPTY;
        Integer idle = readNullableInt(in);
        if (idle != null) {
            settings = settings.withIdleSeconds(idle);
        }
        Integer interval = readNullableInt(in);
        if (interval != null) {
            settings = settings.withIntervalSeconds(interval);
        }
        Integer count = readNullableInt(in);
        if (count != null) {
            settings = settings.withCount(count);
        }
        String userTimeout = readNullable(in);
        if (userTimeout != null) {
            settings = settings.withUserTimeout(parseUserTimeout(userTimeout));
        }
        String enforce = readNullable(in);
        if (enforce != null) {
            settings = settings.withEnforce(Boolean.parseBoolean(enforce));
        }
        Integer natTimeout = readNullableInt(in);
        if (natTimeout != null) {
            settings = settings.withNatTimeoutSeconds(natTimeout);
        }
        return settings;
    }

    /** The inverse of {@link UserTimeout#toString()}. */
    private static UserTimeout parseUserTimeout(String text) throws IOException {
        if ("off".equals(text)) {
            return UserTimeout.OFF;
        }
        if ("auto".equals(text)) {
            return UserTimeout.AUTO;
        }
        try {
            return UserTimeout.ofMillis(Integer.parseInt(text.substring(0, text.length() - "ms".length())));
        } catch (RuntimeException e) {
            throw new IOException("bad user_timeout " + text, e);
        }
    }

    private static void writeNullable(EntryWriter out, String value) {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeString(value);
        }
    }

    private static void writeNullable(EntryWriter out, Integer value) {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeInt(value);
        }
    }

    private static String readNullable(EntryReader in) throws IOException {
        return in.readBoolean() ? in.readString() : null;
    }

    private static Integer readNullableInt(EntryReader in) throws IOException {
        return in.readBoolean() ? Integer.valueOf(in.readInt()) : null;
    }
}
