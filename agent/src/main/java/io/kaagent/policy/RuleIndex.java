package io.kaagent.policy;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * First-match-wins lookup without scanning the rules: each criterion gives the set of rules it lets through (as a
 * bitset, bit i = rule i), the sets are intersected, and the lowest surviving bit is the first rule in file order
 * that matches. Rules without a criterion are in that criterion's set for every key.
 */
final class RuleIndex {
    private final Rule[] rules;
    private final long[] outbound;
    private final long[] inbound;
    private final long[] withoutPortCriterion;
    private final RangeIndex ports;
    private final long[] withoutAddressCriterion;
    private final RangeIndex ipv4;
    private final RangeIndex ipv6;
    private final HostIndex hosts;

    RuleIndex(List<Rule> ruleList) {
        rules = ruleList.toArray(new Rule[0]);
        outbound = Bits.forRules(rules.length);
        inbound = Bits.forRules(rules.length);
        withoutPortCriterion = Bits.forRules(rules.length);
        withoutAddressCriterion = Bits.forRules(rules.length);
        RangeIndex.Builder portRanges = new RangeIndex.Builder();
        RangeIndex.Builder ipv4Ranges = new RangeIndex.Builder();
        RangeIndex.Builder ipv6Ranges = new RangeIndex.Builder();
        for (int i = 0; i < rules.length; i++) {
            Rule rule = rules[i];
            if (rule.appliesTo(Direction.OUTBOUND)) {
                Bits.set(outbound, i);
            }
            if (rule.appliesTo(Direction.INBOUND)) {
                Bits.set(inbound, i);
            }
            if (rule.ports().isEmpty()) {
                Bits.set(withoutPortCriterion, i);
            }
            for (PortRange range : rule.ports()) {
                portRanges.add(0, range.first(), 0, range.last(), i);
            }
            if (rule.cidrs().isEmpty()) {
                Bits.set(withoutAddressCriterion, i);
            }
            for (CidrBlock block : rule.cidrs()) {
                (block.isIpv4() ? ipv4Ranges : ipv6Ranges)
                        .add(block.firstHigh(), block.firstLow(), block.lastHigh(), block.lastLow(), i);
            }
        }
        ports = portRanges.build(rules.length);
        ipv4 = ipv4Ranges.build(rules.length);
        ipv6 = ipv6Ranges.build(rules.length);
        hosts = new HostIndex(ruleList);
    }

    Rule match(Direction direction, String host, InetAddress remote, int port) {
        if (rules.length == 0) {
            return null;
        }
        long[] candidates = (direction == Direction.OUTBOUND ? outbound : inbound).clone();
        long[] allowed = new long[candidates.length];

        System.arraycopy(withoutPortCriterion, 0, allowed, 0, allowed.length);
        if (port >= 0 && port <= PortRange.MAX_PORT) {
            ports.addMatches(0, port, allowed);
        }
        if (!Bits.retainAll(candidates, allowed)) {
            return null;
        }

        System.arraycopy(withoutAddressCriterion, 0, allowed, 0, allowed.length);
        if (remote != null) {
            NormalizedAddress address = NormalizedAddress.of(remote);
            (address.ipv4 ? ipv4 : ipv6).addMatches(address.high, address.low, allowed);
        }
        if (!Bits.retainAll(candidates, allowed)) {
            return null;
        }

        String lowerCaseHost = host == null ? null : host.toLowerCase(Locale.ROOT);
        if (lowerCaseHost == null) {
            System.arraycopy(hosts.rulesWithoutHostCriterion(), 0, allowed, 0, allowed.length);
        } else {
            Arrays.fill(allowed, 0);
            hosts.addCandidates(lowerCaseHost, allowed);
        }
        if (!Bits.retainAll(candidates, allowed)) {
            return null;
        }
        return firstConfirmed(candidates, lowerCaseHost);
    }

    private Rule firstConfirmed(long[] candidates, String lowerCaseHost) {
        for (int i = Bits.next(candidates, 0); i >= 0; i = Bits.next(candidates, i + 1)) {
            if (!hosts.needsVerification(i) || rules[i].hostMatchesLowerCase(lowerCaseHost)) {
                return rules[i];
            }
        }
        return null;
    }
}
