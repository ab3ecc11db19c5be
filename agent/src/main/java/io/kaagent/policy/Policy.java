package io.kaagent.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A complete, valid policy: where it came from, its logging settings, its {@code defaults:} and its rules in file
 * order. Immutable and safe to share between threads; {@link #match} is the hot path of every hooked socket.
 */
public final class Policy {
    public static final List<String> LOG_LEVELS =
            Collections.unmodifiableList(Arrays.asList("off", "error", "warn", "info", "debug"));
    public static final String DEFAULT_LOG_LEVEL = "warn";

    private final String source;
    private final String logLevel;
    private final String logFile;
    private final PartialSettings declaredDefaults;
    private final KeepAliveSettings defaults;
    private final List<Rule> rules;
    /** The rules as an array, for {@link #match} to check in turn until the index is built. */
    private final Rule[] inFileOrder;
    /**
     * Built by {@link #prepareIndex}, off the hooks' way: until then {@link #match} checks the rules in turn, so that
     * a JVM's first decision waits neither for the index's nine classes nor for its build (~5 ms of a JVM's first
     * moments, while the application's own start takes the cores). Immutable once built; two threads racing build
     * equal indexes and either is kept.
     */
    private volatile RuleIndex index;
    private final boolean outboundHostRules;
    private final boolean inboundHostRules;

    /**
     * @param source           where the policy came from: a file path or {@code embedded default}
     * @param logLevel         one of {@link #LOG_LEVELS}, or null for {@link #DEFAULT_LOG_LEVEL}
     * @param logFile          where the agent logs, or null for stderr
     * @param declaredDefaults what the {@code defaults:} block sets; the built-in defaults fill the rest
     * @param rules            in file order; each is re-resolved over these defaults
     * @throws IllegalArgumentException for an unknown log level, duplicate rule names, or a rule whose
     *                                  {@code user_timeout: auto} comes out too large (see {@link #withDefaults})
     */
    public Policy(String source, String logLevel, String logFile, PartialSettings declaredDefaults,
                  List<Rule> rules) {
        if (logLevel != null && !LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("log level " + logLevel + " is not one of " + LOG_LEVELS);
        }
        this.source = source;
        this.logLevel = logLevel == null ? DEFAULT_LOG_LEVEL : logLevel;
        this.logFile = logFile;
        this.declaredDefaults = declaredDefaults;
        try {
            this.defaults = declaredDefaults.over(PartialSettings.BUILT_IN_DEFAULTS).resolve();
            this.rules = Collections.unmodifiableList(resolveAll(declaredDefaults, rules));
        } catch (InvalidValueException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        boolean outbound = false;
        boolean inbound = false;
        for (Rule rule : this.rules) {
            if (!rule.hosts().isEmpty()) {
                outbound |= rule.appliesTo(Direction.OUTBOUND);
                inbound |= rule.appliesTo(Direction.INBOUND);
            }
        }
        this.outboundHostRules = outbound;
        this.inboundHostRules = inbound;
        this.inFileOrder = this.rules.toArray(new Rule[0]);
    }

    private static List<Rule> resolveAll(PartialSettings defaults, List<Rule> rules) throws InvalidValueException {
        List<Rule> resolved = new ArrayList<Rule>(rules.size());
        Set<String> names = new HashSet<String>();
        for (Rule rule : rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException("duplicate rule name \"" + rule.name() + "\"");
            }
            try {
                resolved.add(rule.inheriting(defaults));
            } catch (InvalidValueException e) {
                throw new InvalidValueException("rule \"" + rule.name() + "\": " + e.getMessage());
            }
        }
        return resolved;
    }

    /**
     * The same policy with another {@code defaults:} block: every rule picks up the values it inherited, the
     * values a rule set itself stay.
     *
     * @throws InvalidValueException naming the rule, when its {@code user_timeout: auto} comes out too large
     */
    public Policy withDefaults(PartialSettings newDefaults, String newSource) throws InvalidValueException {
        newDefaults.over(PartialSettings.BUILT_IN_DEFAULTS).resolve();
        return new Policy(newSource, logLevel, logFile, newDefaults, resolveAll(newDefaults, rules));
    }

    /**
     * The first rule, in file order, whose every criterion matches; null when none does (the socket is then left
     * untouched). Never makes a DNS lookup.
     *
     * @param host   the host string the application dialled, or null when unknown (a host criterion then fails)
     * @param remote the peer's address, or null when unknown (a cidr criterion then fails)
     * @param port   the remote port for OUTBOUND, the local listening port for INBOUND
     */
    public Rule match(Direction direction, String host, InetAddress remote, int port) {
        RuleIndex built = index;
        return built != null ? built.match(direction, host, remote, port)
                : firstInTurn(inFileOrder, direction, host, remote, port);
    }

    /**
     * {@link Rule#matches} rule by rule, with the host lower-cased and the address normalised once, when first
     * needed. Here rather than in a class of its own: it is on the way to a JVM's first decision.
     */
    private static Rule firstInTurn(Rule[] rules, Direction direction, String host, InetAddress remote, int port) {
        String lowerCaseHost = null;
        NormalizedAddress address = null;
        for (Rule rule : rules) {
            if (!rule.appliesTo(direction) || !rule.portMatches(port)) {
                continue;
            }
            if (!rule.cidrs().isEmpty()) {
                if (remote == null) {
                    continue;
                }
                if (address == null) {
                    address = NormalizedAddress.of(remote);
                }
                if (!rule.addressMatches(address)) {
                    continue;
                }
            }
            if (!rule.hosts().isEmpty()) {
                if (host == null) {
                    continue;
                }
                if (lowerCaseHost == null) {
                    lowerCaseHost = host.toLowerCase(Locale.ROOT);
                }
                if (!rule.hostMatchesLowerCase(lowerCaseHost)) {
                    continue;
                }
            }
            return rule;
        }
        return null;
    }

    /**
     * Builds the index {@link #match} looks rules up in from now on, unless it is built already: first-match-wins in
     * ~0.1 µs whatever the number of rules. Whoever hands a policy to the hooks has it built, off the application's
     * threads; a single lookup (the command line's) needs none.
     */
    public void prepareIndex() {
        if (index == null) {
            index = new RuleIndex(rules);
        }
    }

    /** Whether lookups go through the index yet ({@link #prepareIndex} has run). */
    public boolean indexed() {
        return index != null;
    }

    /**
     * Whether any rule for this direction names hosts. Where none does, {@link #match} gives the same answer for
     * every host, null included: an accept hook then spares itself turning the client's address into text.
     */
    public boolean matchesHosts(Direction direction) {
        return direction == Direction.INBOUND ? inboundHostRules : outboundHostRules;
    }

    /**
     * The rule every client accepted on this local port falls under, when that does not depend on the client: the
     * first inbound rule for the port names no host and no cidr. Null when it depends on the client (a rule with a
     * host or cidr criterion comes first) and when no rule is for this port. Lets the accept hook put the rule's
     * values on the listening socket once, for the kernel to copy to every socket accepted from it.
     */
    public Rule ruleForEveryClient(int localPort) {
        for (Rule rule : rules) {
            if (!rule.appliesTo(Direction.INBOUND) || !rule.portMatches(localPort)) {
                continue;
            }
            return rule.hosts().isEmpty() && rule.cidrs().isEmpty() ? rule : null;
        }
        return null;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** A file path, or {@code embedded default}; with the applied {@code KA_AGENT_*} overrides appended. */
    public String source() {
        return source;
    }

    /** off, error, warn, info or debug. */
    public String logLevel() {
        return logLevel;
    }

    /** The log file, or null for stderr. */
    public String logFile() {
        return logFile;
    }

    /** The {@code defaults:} block with the built-in defaults under it: what a rule that sets nothing gets. */
    public KeepAliveSettings defaults() {
        return defaults;
    }

    /** Exactly what the {@code defaults:} block declares, unset values null. */
    public PartialSettings declaredDefaults() {
        return declaredDefaults;
    }

    /** Whether any rule enforces its values, i.e. whether the setter hooks of PRODUCT.md §5 are needed at all. */
    public boolean anyEnforce() {
        for (Rule rule : rules) {
            if (!rule.keepaliveOff() && rule.settings().enforce()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "policy from " + source + " (" + rules.size() + (rules.size() == 1 ? " rule)" : " rules)");
    }
}
