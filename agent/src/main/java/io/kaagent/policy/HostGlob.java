package io.kaagent.policy;

import java.util.Locale;

/**
 * A {@code host} pattern: {@code *} matches any run of characters (dots included), {@code ?} exactly one;
 * case-insensitive. It is matched against the host string the application dialled, never against a resolved name.
 */
public final class HostGlob {
    private static final int MAX_LENGTH = 255;
    private static final String ALLOWED = "use letters, digits, '-', '.', '_', ':' and the wildcards * and ?";

    private final String pattern;

    private HostGlob(String pattern) {
        this.pattern = pattern;
    }

    public static HostGlob parse(String text) throws InvalidValueException {
        String problem = problemWith(text);
        if (problem != null) {
            throw new InvalidValueException(SettingValues.quote(text) + " is not a valid host glob: " + problem);
        }
        return new HostGlob(text.toLowerCase(Locale.ROOT));
    }

    private static String problemWith(String text) {
        if (text.isEmpty()) {
            return "it is empty";
        }
        if (text.length() > MAX_LENGTH) {
            return "it is longer than " + MAX_LENGTH + " characters";
        }
        if (text.indexOf('/') >= 0 && looksLikeCidr(text)) {
            return "it is an address block; put it under cidr:";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isLetterOrDigit(c) && "-._:*?".indexOf(c) < 0) {
                return (Character.isWhitespace(c) ? "whitespace" : "'" + c + "'") + " is not allowed; " + ALLOWED;
            }
        }
        return null;
    }

    private static boolean looksLikeCidr(String text) {
        try {
            CidrBlock.parse(text);
            return true;
        } catch (InvalidValueException notACidr) {
            return false;
        }
    }

    /** The pattern in lower case. */
    public String pattern() {
        return pattern;
    }

    public boolean matches(String host) {
        return host != null && matchesLowerCase(host.toLowerCase(Locale.ROOT));
    }

    boolean matchesLowerCase(String host) {
        int p = 0;
        int h = 0;
        int lastStar = -1;
        int hostAtLastStar = 0;
        while (h < host.length()) {
            char wanted = p < pattern.length() ? pattern.charAt(p) : 0;
            if (wanted == '*') {
                lastStar = p++;
                hostAtLastStar = h;
            } else if (p < pattern.length() && (wanted == '?' || wanted == host.charAt(h))) {
                p++;
                h++;
            } else if (lastStar >= 0) {
                // Let the last * swallow one more character and retry; earlier stars never need to backtrack.
                p = lastStar + 1;
                h = ++hostAtLastStar;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** No wildcard: matches one host name exactly. */
    boolean isLiteral() {
        return head().length() == pattern.length();
    }

    /** {@code *} then a literal, like {@code *.db.internal}: matches every host ending in that literal. */
    boolean isSuffix() {
        return pattern.startsWith("*") && tail().length() == pattern.length() - 1;
    }

    /** A literal then {@code *}, like {@code api-*}: matches every host starting with that literal. */
    boolean isPrefix() {
        return pattern.endsWith("*") && head().length() == pattern.length() - 1;
    }

    /** The literal text before the first wildcard; the whole pattern when it has none. */
    String head() {
        int star = pattern.indexOf('*');
        int question = pattern.indexOf('?');
        int wildcard = star < 0 ? question : question < 0 ? star : Math.min(star, question);
        return wildcard < 0 ? pattern : pattern.substring(0, wildcard);
    }

    /** The literal text after the last wildcard; the whole pattern when it has none. */
    String tail() {
        return pattern.substring(Math.max(pattern.lastIndexOf('*'), pattern.lastIndexOf('?')) + 1);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HostGlob && ((HostGlob) other).pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
