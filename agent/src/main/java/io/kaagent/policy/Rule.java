package io.kaagent.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of {@code rules:}. Its criteria are ANDed, the values of one criterion ORed, and an absent criterion
 * (an empty list) matches everything. Its settings are what it declares itself over what it inherits from
 * {@code defaults:}; {@link #inheriting} redoes that inheritance when the defaults change.
 */
public final class Rule {
    private final String name;
    private final List<HostGlob> hosts;
    private final List<CidrBlock> cidrs;
    private final List<PortRange> ports;
    /**
     * The directions as two flags, not an EnumSet: an EnumSet's first use of an enum reads its constants through
     * reflection (Method.invoke), ~1 ms of a cold JVM on the way to its policy, every start.
     */
    private final boolean outbound;
    private final boolean inbound;
    private final boolean keepaliveOff;
    private final PartialSettings declared;
    private final KeepAliveSettings settings;
    private final Integer natTimeoutSeconds;

    private Rule(Builder builder, KeepAliveSettings settings, Integer natTimeoutSeconds) {
        this.name = builder.name;
        this.hosts = Collections.unmodifiableList(new ArrayList<HostGlob>(builder.hosts));
        this.cidrs = Collections.unmodifiableList(new ArrayList<CidrBlock>(builder.cidrs));
        this.ports = Collections.unmodifiableList(new ArrayList<PortRange>(builder.ports));
        this.outbound = builder.outbound;
        this.inbound = builder.inbound;
        this.keepaliveOff = builder.keepaliveOff;
        this.declared = builder.declared;
        this.settings = settings;
        this.natTimeoutSeconds = natTimeoutSeconds;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * This rule with its undeclared values taken from {@code defaults} (then from the built-in defaults).
     *
     * @throws InvalidValueException when {@code user_timeout: auto} comes out above its maximum
     */
    public Rule inheriting(PartialSettings defaults) throws InvalidValueException {
        PartialSettings effective = declared.over(defaults).over(PartialSettings.BUILT_IN_DEFAULTS);
        Builder copy = toBuilder();
        return new Rule(copy, keepaliveOff ? null : effective.resolve(), effective.natTimeoutSeconds());
    }

    private Builder toBuilder() {
        Builder copy = new Builder(name).hosts(hosts).cidrs(cidrs).ports(ports).settings(declared);
        copy.outbound = outbound;
        copy.inbound = inbound;
        copy.keepaliveOff = keepaliveOff;
        return copy;
    }

    public String name() {
        return name;
    }

    /** The {@code host} globs; empty when the rule has no host criterion. */
    public List<HostGlob> hosts() {
        return hosts;
    }

    /** The {@code cidr} blocks; empty when the rule has no address criterion. */
    public List<CidrBlock> cidrs() {
        return cidrs;
    }

    /** The {@code port} values; empty when the rule has no port criterion. */
    public List<PortRange> ports() {
        return ports;
    }

    /** OUTBOUND, INBOUND or both, in that order. */
    public Set<Direction> directions() {
        Set<Direction> directions = new LinkedHashSet<Direction>();
        if (outbound) {
            directions.add(Direction.OUTBOUND);
        }
        if (inbound) {
            directions.add(Direction.INBOUND);
        }
        return Collections.unmodifiableSet(directions);
    }

    /** Whether the rule is for sockets of this direction. */
    public boolean appliesTo(Direction direction) {
        return direction == Direction.INBOUND ? inbound : outbound;
    }

    /** {@code keepalive: off}: the rule matches and deliberately leaves the socket untouched. */
    public boolean keepaliveOff() {
        return keepaliveOff;
    }

    /** What the rule sets; null when {@link #keepaliveOff()}. */
    public KeepAliveSettings settings() {
        return settings;
    }

    /** The effective {@code nat_timeout} hint in seconds, or null when neither the rule nor the defaults give one. */
    public Integer natTimeoutSeconds() {
        return natTimeoutSeconds;
    }

    /** The values the rule sets itself, without what it inherits. */
    public PartialSettings declaredSettings() {
        return declared;
    }

    /**
     * Checks every criterion one by one: the reference semantics {@link Policy#match} implements with an index.
     *
     * @param host   the host string the application dialled, or null when unknown: then a host criterion fails
     * @param remote the peer's address, or null when unknown: then a cidr criterion fails
     * @param port   the remote port for OUTBOUND, the local listening port for INBOUND
     */
    public boolean matches(Direction direction, String host, InetAddress remote, int port) {
        return matchesIgnoringAddress(direction, host, port) && addressMatches(remote);
    }

    /** Whether every criterion except {@code cidr} matches: what {@code explain} can say about an unresolved name. */
    public boolean matchesIgnoringAddress(Direction direction, String host, int port) {
        return appliesTo(direction) && portMatches(port)
                && (hosts.isEmpty() || (host != null && hostMatchesLowerCase(host.toLowerCase(Locale.ROOT))));
    }

    boolean hostMatchesLowerCase(String lowerCaseHost) {
        for (HostGlob glob : hosts) {
            if (glob.matchesLowerCase(lowerCaseHost)) {
                return true;
            }
        }
        return false;
    }

    private boolean addressMatches(InetAddress remote) {
        if (cidrs.isEmpty()) {
            return true;
        }
        return remote != null && addressMatches(NormalizedAddress.of(remote));
    }

    /** Whether one of the rule's blocks holds the address; false for a rule without a cidr criterion. */
    boolean addressMatches(NormalizedAddress address) {
        for (CidrBlock cidr : cidrs) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    boolean portMatches(int port) {
        if (ports.isEmpty()) {
            return true;
        }
        for (PortRange range : ports) {
            if (range.contains(port)) {
                return true;
            }
        }
        return false;
    }

    /** The criteria in words, e.g. {@code outbound; host *.db.internal or db-?.example.com; any address; port 5432}. */
    public String describeCriteria() {
        String direction = outbound && inbound ? "outbound and inbound"
                : (outbound ? Direction.OUTBOUND : Direction.INBOUND).word();
        return direction
                + "; " + (hosts.isEmpty() ? "any host" : "host " + joinWithOr(hosts))
                + "; " + (cidrs.isEmpty() ? "any address" : "cidr " + joinWithOr(cidrs))
                + "; " + (ports.isEmpty() ? "any port" : "port " + joinWithOr(ports));
    }

    private static String joinWithOr(List<?> values) {
        StringBuilder text = new StringBuilder();
        for (Object value : values) {
            text.append(text.length() == 0 ? "" : " or ").append(value);
        }
        return text.toString();
    }

    /** {@code rule "postgres": outbound; ...; idle=30s intvl=5s ...} — for logs. */
    @Override
    public String toString() {
        return "rule \"" + name + "\": " + describeCriteria() + ": "
                + (keepaliveOff ? "keepalive off" : settings.toString());
    }

    /** Collects a rule's criteria; every criterion is optional, the direction defaults to OUTBOUND. */
    public static final class Builder {
        private final String name;
        private final List<HostGlob> hosts = new ArrayList<HostGlob>();
        private final List<CidrBlock> cidrs = new ArrayList<CidrBlock>();
        private final List<PortRange> ports = new ArrayList<PortRange>();
        private boolean outbound = true;
        private boolean inbound;
        private boolean keepaliveOff;
        private PartialSettings declared = PartialSettings.EMPTY;

        private Builder(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("a rule needs a name");
            }
            this.name = name;
        }

        public Builder hosts(List<HostGlob> globs) {
            hosts.addAll(globs);
            return this;
        }

        /** @throws IllegalArgumentException for an invalid glob */
        public Builder host(String... globs) {
            for (String glob : globs) {
                try {
                    hosts.add(HostGlob.parse(glob));
                } catch (InvalidValueException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
            return this;
        }

        public Builder cidrs(List<CidrBlock> blocks) {
            cidrs.addAll(blocks);
            return this;
        }

        /** @throws IllegalArgumentException for an invalid block */
        public Builder cidr(String... blocks) {
            for (String block : blocks) {
                try {
                    cidrs.add(CidrBlock.parse(block));
                } catch (InvalidValueException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
            return this;
        }

        public Builder ports(List<PortRange> ranges) {
            ports.addAll(ranges);
            return this;
        }

        public Builder port(PortRange... ranges) {
            return ports(Arrays.asList(ranges));
        }

        public Builder directions(Direction first, Direction... more) {
            outbound = first == Direction.OUTBOUND;
            inbound = first == Direction.INBOUND;
            for (Direction direction : more) {
                outbound |= direction == Direction.OUTBOUND;
                inbound |= direction == Direction.INBOUND;
            }
            return this;
        }

        /** {@code keepalive: off}: match, then leave the socket alone. */
        public Builder keepaliveOff() {
            keepaliveOff = true;
            return this;
        }

        /** The values the rule sets itself; what it leaves null it inherits. */
        public Builder settings(PartialSettings own) {
            declared = own;
            return this;
        }

        /**
         * The rule with the built-in defaults under its own values; a {@link Policy} re-resolves its rules over the
         * policy's {@code defaults:}.
         *
         * @throws IllegalArgumentException when {@code user_timeout: auto} comes out above its maximum
         */
        public Rule build() {
            try {
                return build(PartialSettings.EMPTY);
            } catch (InvalidValueException e) {
                throw new IllegalArgumentException("rule \"" + name + "\": " + e.getMessage(), e);
            }
        }

        /**
         * The rule with {@code defaults} (then the built-in defaults) under its own values.
         *
         * @throws InvalidValueException when {@code user_timeout: auto} comes out above its maximum
         */
        public Rule build(PartialSettings defaults) throws InvalidValueException {
            return new Rule(this, null, null).inheriting(defaults);
        }
    }
}
