package io.kaagent.policy;

import java.util.Arrays;

/**
 * An immutable set of rule indexes, stored as a sorted list while it is small and as a bitset once the list would
 * cost more to apply: adding it to a lookup's bitset then costs at most one operation per bitset word, however many
 * rules share the set (1,000 rules on port 443, 1,000 globs under {@code .example.com}), and never more memory than
 * twice the list.
 */
final class RuleSet {
    private final int[] sparse;
    private final long[] dense;

    private RuleSet(int[] sparse, long[] dense) {
        this.sparse = sparse;
        this.dense = dense;
    }

    void addTo(long[] bits) {
        if (dense != null) {
            for (int i = 0; i < dense.length; i++) {
                bits[i] |= dense[i];
            }
        } else {
            Bits.setAll(bits, sparse);
        }
    }

    /** Collects rule indexes while an index is built. */
    static final class Builder {
        private int[] rules = new int[4];
        private int size;

        void add(int rule) {
            if (size == rules.length) {
                rules = Arrays.copyOf(rules, size * 2);
            }
            rules[size++] = rule;
        }

        /** @param ruleCount how many rules the policy has, i.e. the size of a lookup's bitset */
        RuleSet build(int ruleCount) {
            long[] bits = Bits.forRules(ruleCount);
            if (size > bits.length) {
                Bits.setAll(bits, Arrays.copyOf(rules, size));
                return new RuleSet(null, bits);
            }
            return new RuleSet(Arrays.copyOf(rules, size), null);
        }
    }
}
