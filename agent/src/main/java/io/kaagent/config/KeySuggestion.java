package io.kaagent.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "did you mean idle?" for a mistyped key: a known synonym (the kernel's option names, plurals, long forms), else
 * the allowed key within a small edit distance, if exactly one is.
 */
final class KeySuggestion {
    private static final Map<String, String> SYNONYMS = new HashMap<String, String>();

    static {
        SYNONYMS.put("interval", "intvl");
        SYNONYMS.put("keepintvl", "intvl");
        SYNONYMS.put("tcp_keepintvl", "intvl");
        SYNONYMS.put("keepidle", "idle");
        SYNONYMS.put("tcp_keepidle", "idle");
        SYNONYMS.put("count", "cnt");
        SYNONYMS.put("probes", "cnt");
        SYNONYMS.put("keepcnt", "cnt");
        SYNONYMS.put("tcp_keepcnt", "cnt");
        SYNONYMS.put("tcp_user_timeout", "user_timeout");
        SYNONYMS.put("hostname", "host");
        SYNONYMS.put("hostnames", "host");
        SYNONYMS.put("address", "cidr");
        SYNONYMS.put("addresses", "cidr");
        SYNONYMS.put("ip", "cidr");
        SYNONYMS.put("network", "cidr");
        SYNONYMS.put("loglevel", "log");
        SYNONYMS.put("log_level", "log");
        SYNONYMS.put("logfile", "log_file");
    }

    private KeySuggestion() {
    }

    static String closest(String key, List<String> allowedKeys) {
        String lowerKey = key.toLowerCase(Locale.ROOT);
        String synonym = SYNONYMS.get(lowerKey);
        if (synonym != null && allowedKeys.contains(synonym)) {
            return synonym;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String candidate : allowedKeys) {
            int distance = distance(lowerKey, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
                tie = false;
            } else if (distance == bestDistance) {
                tie = true;
            }
        }
        // Two edits catch typos and swapped letters; more would "correct" keys that mean something else.
        boolean close = bestDistance <= Math.min(2, Math.max(1, best.length() / 3));
        return close && !tie ? best : null;
    }

    /** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
