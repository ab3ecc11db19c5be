package io.kaagent.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import io.kaagent.config.LoadResult;
import io.kaagent.policy.Direction;
import io.kaagent.policy.KeepAliveSettings;
import io.kaagent.policy.NatTimeoutCheck;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/** {@code explain <config.yml> <host>:<port> [--inbound]}: which rule matches and what it would set. */
final class ExplainCommand {
    private static final String USAGE = "explain <config.yml> <host>:<port> [--inbound]";

    private ExplainCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        Direction direction = Direction.OUTBOUND;
        List<String> positional = new ArrayList<String>();
        for (String arg : args) {
            if ("--inbound".equals(arg)) {
                direction = Direction.INBOUND;
            } else if ("--outbound".equals(arg)) {
                direction = Direction.OUTBOUND;
            } else if (arg.startsWith("--")) {
                return Cli.usageError(err, "explain: unknown option " + arg);
            } else {
                positional.add(arg);
            }
        }
        if (positional.size() != 2) {
            return Cli.usageError(err, "explain takes a policy file and a connection: " + USAGE);
        }
        ConnectionTarget target;
        try {
            target = ConnectionTarget.parse(positional.get(1));
        } catch (IllegalArgumentException e) {
            return Cli.usageError(err, "explain: " + e.getMessage());
        }
        // Only the matched rule's warnings matter here; they are printed with it.
        LoadResult result = CheckCommand.load(positional.get(0), err, false);
        if (result == null) {
            return 1;
        }
        explain(result.policy(), direction, target, out);
        return 0;
    }

    private static void explain(Policy policy, Direction direction, ConnectionTarget target, PrintStream out) {
        // An accepted socket has no dialled name: the agent matches host globs against the client's address as
        // Java prints it (runtime.Endpoint.inbound), fd00:0:0:0:0:0:0:1 for fd00::1. explain must match the same text.
        String host = direction == Direction.INBOUND && target.address != null ? target.address.getHostAddress()
                : target.host;
        Rule rule = policy.match(direction, host, target.address, target.port);
        if (target.isName()) {
            out.println("note: " + target.host + " is a name, not an address, and explain makes no DNS lookups: "
                    + "rules with a cidr criterion cannot match it here");
            noteRulesMatchingOnceResolved(policy, rule, direction, target, out);
        }
        if (rule == null) {
            out.println("no rule matches; the socket is left untouched");
            return;
        }
        out.println("rule \"" + rule.name() + "\" (#" + number(policy, rule) + ") matches "
                + connection(direction, target));
        out.println("criteria: " + rule.describeCriteria());
        if (rule.keepaliveOff()) {
            out.println("keepalive: off; the socket is left untouched by rule \"" + rule.name() + "\"");
            return;
        }
        out.println(socketOptions(rule.settings()));
        if (rule.natTimeoutSeconds() != null) {
            List<String> warnings = NatTimeoutCheck.warnings(rule);
            for (String warning : warnings) {
                out.println("warning: " + warning);
            }
            if (warnings.isEmpty()) {
                out.println("nat_timeout=" + rule.natTimeoutSeconds() + "s: idle and intvl are shorter, "
                        + "so idle flows survive the NAT");
            }
        }
    }

    /** Earlier rules that only their cidr keeps from matching: one of them wins once the name resolves into it. */
    private static void noteRulesMatchingOnceResolved(Policy policy, Rule matched, Direction direction,
                                                      ConnectionTarget target, PrintStream out) {
        for (Rule rule : policy.rules()) {
            if (rule == matched) {
                return;
            }
            if (!rule.cidrs().isEmpty() && rule.matchesIgnoringAddress(direction, target.host, target.port)) {
                StringBuilder blocks = new StringBuilder();
                for (Object block : rule.cidrs()) {
                    blocks.append(blocks.length() == 0 ? "" : " or ").append(block);
                }
                out.println("note: rule \"" + rule.name() + "\" (#" + number(policy, rule) + ") matches instead if "
                        + target.host + " resolves into " + blocks);
            }
        }
    }

    private static int number(Policy policy, Rule rule) {
        return policy.rules().indexOf(rule) + 1;
    }

    private static String connection(Direction direction, ConnectionTarget target) {
        if (direction == Direction.INBOUND) {
            return "inbound from " + target.host + " on local port " + target.port;
        }
        return "outbound " + target.text;
    }

    /** The options as the agent sets them, in the kernel's names. */
    static String socketOptions(KeepAliveSettings settings) {
        return "SO_KEEPALIVE=on TCP_KEEPIDLE=" + settings.idleSeconds() + "s TCP_KEEPINTVL="
                + settings.intervalSeconds() + "s TCP_KEEPCNT=" + settings.count() + " TCP_USER_TIMEOUT="
                + (settings.userTimeoutMillis() == 0 ? "off" : settings.userTimeoutMillis() + "ms")
                + " enforce=" + settings.enforce();
    }
}
