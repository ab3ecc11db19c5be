package io.kaagent.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which rules have a range (of ports, or of addresses as unsigned 128-bit numbers) containing a key. The range ends
 * cut the key space into elementary intervals; a segment tree over them stores each range at O(log n) nodes, so a
 * lookup is a binary search plus one root-to-leaf walk, and memory stays O(ranges * log ranges) however the ranges
 * overlap.
 */
final class RangeIndex {
    private final long[] boundaryHigh;
    private final long[] boundaryLow;
    /** Segment tree in heap layout (root 1); each node holds the rules whose ranges cover all its intervals. */
    private final RuleSet[] nodeRules;

    private RangeIndex(long[] boundaryHigh, long[] boundaryLow, RuleSet[] nodeRules) {
        this.boundaryHigh = boundaryHigh;
        this.boundaryLow = boundaryLow;
        this.nodeRules = nodeRules;
    }

    /** Sets the bit of every rule that has a range containing the key. */
    void addMatches(long high, long low, long[] bits) {
        int leaf = intervalOf(high, low);
        int node = 1;
        int from = 0;
        int to = boundaryLow.length - 1;
        while (true) {
            RuleSet rules = nodeRules[node];
            if (rules != null) {
                rules.addTo(bits);
            }
            if (from == to) {
                return;
            }
            int middle = (from + to) >>> 1;
            if (leaf <= middle) {
                node = 2 * node;
                to = middle;
            } else {
                node = 2 * node + 1;
                from = middle + 1;
            }
        }
    }

    /** The last interval whose start is at or below the key; interval 0 starts at 0, so there always is one. */
    private int intervalOf(long high, long low) {
        int lowest = 0;
        int highest = boundaryLow.length - 1;
        while (lowest < highest) {
            int middle = (lowest + highest + 1) >>> 1;
            if (CidrBlock.compareUnsigned(boundaryHigh[middle], boundaryLow[middle], high, low) <= 0) {
                lowest = middle;
            } else {
                highest = middle - 1;
            }
        }
        return lowest;
    }

    /** Orders its range starts itself (a Comparator class of its own was one more class load of a fresh start). */
    static final class Builder implements Comparator<long[]> {
        /** {firstHigh, firstLow, lastHigh, lastLow, rule}, inclusive ends. */
        private final List<long[]> ranges = new ArrayList<long[]>();

        void add(long firstHigh, long firstLow, long lastHigh, long lastLow, int rule) {
            ranges.add(new long[] {firstHigh, firstLow, lastHigh, lastLow, rule});
        }

        /** @param ruleCount how many rules the policy has */
        RangeIndex build(int ruleCount) {
            long[][] boundaries = boundaries();
            long[] high = new long[boundaries.length];
            long[] low = new long[boundaries.length];
            for (int i = 0; i < boundaries.length; i++) {
                high[i] = boundaries[i][0];
                low[i] = boundaries[i][1];
            }
            RangeIndex index = new RangeIndex(high, low, new RuleSet[4 * boundaries.length]);
            RuleSet.Builder[] nodes = new RuleSet.Builder[index.nodeRules.length];
            for (long[] range : ranges) {
                int first = index.intervalOf(range[0], range[1]);
                int last = index.intervalOf(range[2], range[3]);
                insert(nodes, 1, 0, boundaries.length - 1, first, last, (int) range[4]);
            }
            for (int node = 0; node < nodes.length; node++) {
                if (nodes[node] != null) {
                    index.nodeRules[node] = nodes[node].build(ruleCount);
                }
            }
            return index;
        }

        /** Files the rule at the O(log n) nodes whose intervals together make up [first, last]. */
        private static void insert(RuleSet.Builder[] nodes, int node, int from, int to, int first, int last,
                                   int rule) {
            if (first <= from && to <= last) {
                if (nodes[node] == null) {
                    nodes[node] = new RuleSet.Builder();
                }
                nodes[node].add(rule);
                return;
            }
            int middle = (from + to) >>> 1;
            if (first <= middle) {
                insert(nodes, 2 * node, from, middle, first, last, rule);
            }
            if (last > middle) {
                insert(nodes, 2 * node + 1, middle + 1, to, first, last, rule);
            }
        }

        /** Unsigned, by the 128-bit key {high, low}. */
        @Override
        public int compare(long[] a, long[] b) {
            return CidrBlock.compareUnsigned(a[0], a[1], b[0], b[1]);
        }

        /** Interval starts, sorted and distinct: 0, every range start, and the key after every range end. */
        private long[][] boundaries() {
            List<long[]> starts = new ArrayList<long[]>();
            starts.add(new long[] {0, 0});
            for (long[] range : ranges) {
                starts.add(new long[] {range[0], range[1]});
                boolean endsAtTop = range[2] == -1L && range[3] == -1L;
                if (!endsAtTop) {
                    long low = range[3] + 1;
                    starts.add(new long[] {low == 0 ? range[2] + 1 : range[2], low});
                }
            }
            long[][] sorted = starts.toArray(new long[0][]);
            Arrays.sort(sorted, this);
            int distinct = 0;
            for (long[] start : sorted) {
                if (distinct == 0 || start[0] != sorted[distinct - 1][0] || start[1] != sorted[distinct - 1][1]) {
                    sorted[distinct++] = start;
                }
            }
            return Arrays.copyOf(sorted, distinct);
        }
    }
}
