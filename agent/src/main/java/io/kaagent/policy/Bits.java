package io.kaagent.policy;

/** Rule sets as plain {@code long[]} bitsets, bit i = rule i, so set operations cost a few words per lookup. */
final class Bits {
    private Bits() {
    }

    static long[] forRules(int ruleCount) {
        return new long[(ruleCount + 63) >>> 6];
    }

    static void set(long[] bits, int rule) {
        bits[rule >>> 6] |= 1L << rule;
    }

    static void setAll(long[] bits, int[] rules) {
        for (int rule : rules) {
            bits[rule >>> 6] |= 1L << rule;
        }
    }

    static boolean get(long[] bits, int rule) {
        return (bits[rule >>> 6] & (1L << rule)) != 0;
    }

    /** {@code target &= other}; returns whether any bit is left, so a lookup can stop early. */
    static boolean retainAll(long[] target, long[] other) {
        long any = 0;
        for (int i = 0; i < target.length; i++) {
            target[i] &= other[i];
            any |= target[i];
        }
        return any != 0;
    }

    /** The lowest set bit at or after {@code from}, or -1. */
    static int next(long[] bits, int from) {
        int word = from >>> 6;
        if (word >= bits.length) {
            return -1;
        }
        long remaining = bits[word] & (-1L << from);
        while (remaining == 0) {
            if (++word == bits.length) {
                return -1;
            }
            remaining = bits[word];
        }
        return (word << 6) + Long.numberOfTrailingZeros(remaining);
    }
}
