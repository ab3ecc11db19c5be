package io.kaagent.policy;

import java.util.Arrays;

/**
 * Rule sets filed under host text, walked one character at a time along a host: backwards (a trie of host
 * endings, for globs like {@code *.db.internal}) or forwards (of beginnings, for globs like {@code api-*}).
 * Each node may hold three sets: rules that match every host reaching it, rules that match when the host ends
 * exactly there, and candidates that still need their globs checked.
 */
final class HostTrie {
    private final boolean backwards;
    private final Node root = new Node();

    HostTrie(boolean backwards) {
        this.backwards = backwards;
    }

    /** Rules matching every host that has this text at its end (backwards) or start (forwards). */
    void addEvery(String text, int rule) {
        node(text).every().add(rule);
    }

    /** Rules matching the host that is exactly this text. */
    void addWhole(String text, int rule) {
        node(text).whole().add(rule);
    }

    /** Rules that may match a host with this text at its end or start: to be verified. */
    void addCandidate(String text, int rule) {
        node(text).candidates().add(rule);
    }

    private Node node(String text) {
        Node node = root;
        for (int i = 0; i < text.length(); i++) {
            node = node.childOrCreate(text.charAt(backwards ? text.length() - 1 - i : i));
        }
        return node;
    }

    /** Freezes the collected rule lists; call once, before the first {@link #addMatches}. */
    void build(int ruleCount) {
        root.build(ruleCount);
    }

    /** Adds the rules of every node the host's walk passes, and the whole-host rules of the node it ends on. */
    void addMatches(String host, long[] bits) {
        Node node = root;
        node.addEvery(bits);
        int length = host.length();
        for (int i = 0; i < length; i++) {
            node = node.child(host.charAt(backwards ? length - 1 - i : i));
            if (node == null) {
                return;
            }
            node.addEvery(bits);
        }
        if (node.wholeRules != null) {
            node.wholeRules.addTo(bits);
        }
    }

    private static final class Node {
        /** Few children per node (the letters that can follow), so a linear scan beats hashing. */
        private char[] labels = new char[0];
        private Node[] children = new Node[0];
        private RuleSet.Builder every;
        private RuleSet.Builder whole;
        private RuleSet.Builder candidates;
        private RuleSet everyRules;
        private RuleSet wholeRules;
        private RuleSet candidateRules;

        Node child(char label) {
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == label) {
                    return children[i];
                }
            }
            return null;
        }

        Node childOrCreate(char label) {
            Node child = child(label);
            if (child == null) {
                child = new Node();
                labels = Arrays.copyOf(labels, labels.length + 1);
                children = Arrays.copyOf(children, children.length + 1);
                labels[labels.length - 1] = label;
                children[children.length - 1] = child;
            }
            return child;
        }

        RuleSet.Builder every() {
            return every == null ? every = new RuleSet.Builder() : every;
        }

        RuleSet.Builder whole() {
            return whole == null ? whole = new RuleSet.Builder() : whole;
        }

        RuleSet.Builder candidates() {
            return candidates == null ? candidates = new RuleSet.Builder() : candidates;
        }

        void addEvery(long[] bits) {
            if (everyRules != null) {
                everyRules.addTo(bits);
            }
            if (candidateRules != null) {
                candidateRules.addTo(bits);
            }
        }

        void build(int ruleCount) {
            everyRules = every == null ? null : every.build(ruleCount);
            wholeRules = whole == null ? null : whole.build(ruleCount);
            candidateRules = candidates == null ? null : candidates.build(ruleCount);
            every = null;
            whole = null;
            candidates = null;
            for (Node child : children) {
                child.build(ruleCount);
            }
        }
    }
}
