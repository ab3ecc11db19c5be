package io.kaagent.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Narrows the rules by host string with two tries, walked once along the host: one of host endings, one of host
 * beginnings. Literal globs ({@code db.example.com}), suffix globs ({@code *.db.internal}) and prefix globs
 * ({@code api-*}) — nearly all globs in practice — match for certain when the walk reaches them. Any other glob can
 * only match a host that starts with its head (the text before its first wildcard) and ends with its tail (the
 * text after its last one): it is filed as a candidate under whichever of the two fewer globs share, so 200 globs
 * {@code pg-N-?.example.com} are told apart by {@code pg-N-}, not lumped under {@code .example.com}. A candidate's
 * globs are checked one by one, and only once it has survived every other criterion.
 */
final class HostIndex {
    private final long[] withoutHostCriterion;
    private final long[] alwaysCandidates;
    private final long[] needsVerification;
    private final HostTrie endings = new HostTrie(true);
    private final HostTrie beginnings = new HostTrie(false);

    HostIndex(List<Rule> rules) {
        withoutHostCriterion = Bits.forRules(rules.size());
        alwaysCandidates = Bits.forRules(rules.size());
        needsVerification = Bits.forRules(rules.size());
        Map<String, Integer> headCounts = new HashMap<String, Integer>();
        Map<String, Integer> tailCounts = new HashMap<String, Integer>();
        for (Rule rule : rules) {
            for (HostGlob glob : rule.hosts()) {
                count(headCounts, glob.head());
                count(tailCounts, glob.tail());
            }
        }
        for (int rule = 0; rule < rules.size(); rule++) {
            if (rules.get(rule).hosts().isEmpty()) {
                Bits.set(withoutHostCriterion, rule);
            }
            for (HostGlob glob : rules.get(rule).hosts()) {
                add(glob, rule, headCounts, tailCounts);
            }
        }
        endings.build(rules.size());
        beginnings.build(rules.size());
    }

    private void add(HostGlob glob, int rule, Map<String, Integer> headCounts, Map<String, Integer> tailCounts) {
        String head = glob.head();
        String tail = glob.tail();
        if (glob.isLiteral()) {
            endings.addWhole(glob.pattern(), rule);
        } else if (glob.isSuffix()) {
            endings.addEvery(tail, rule);
        } else if (glob.isPrefix()) {
            beginnings.addEvery(head, rule);
        } else {
            Bits.set(needsVerification, rule);
            if (head.isEmpty() && tail.isEmpty()) {
                Bits.set(alwaysCandidates, rule);
            } else if (tail.isEmpty() || (!head.isEmpty() && isBetterKey(head, headCounts, tail, tailCounts))) {
                beginnings.addCandidate(head, rule);
            } else {
                endings.addCandidate(tail, rule);
            }
        }
    }

    /** Fewer globs sharing the key means fewer candidates to verify; on a tie the longer key is rarer. */
    private static boolean isBetterKey(String head, Map<String, Integer> headCounts, String tail,
                                       Map<String, Integer> tailCounts) {
        int heads = headCounts.get(head);
        int tails = tailCounts.get(tail);
        return heads != tails ? heads < tails : head.length() > tail.length();
    }

    private static void count(Map<String, Integer> counts, String key) {
        Integer count = counts.get(key);
        counts.put(key, count == null ? 1 : count + 1);
    }

    /** The rules a host that is not known (null) can match: those without a host criterion. */
    long[] rulesWithoutHostCriterion() {
        return withoutHostCriterion;
    }

    /**
     * Sets the bits of every rule the lower-case host may match: certainly for rules without a host criterion and
     * rules whose literal, suffix or prefix glob matched, possibly for the rules {@link #needsVerification}.
     */
    void addCandidates(String lowerCaseHost, long[] bits) {
        for (int i = 0; i < bits.length; i++) {
            bits[i] |= withoutHostCriterion[i] | alwaysCandidates[i];
        }
        endings.addMatches(lowerCaseHost, bits);
        beginnings.addMatches(lowerCaseHost, bits);
    }

    /** Whether a candidate set by {@link #addCandidates} must still have its globs checked. */
    boolean needsVerification(int rule) {
        return Bits.get(needsVerification, rule);
    }
}
