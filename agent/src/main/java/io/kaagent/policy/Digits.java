package io.kaagent.policy;

/**
 * Plain decimal numbers, recognised without a regular expression: String.matches compiles its pattern on every
 * call, and policy values are checked in premain, where every cold compile shows in the JVM's start-up.
 */
final class Digits {
    private Digits() {
    }

    /** {@code [0-9]{1,maxDigits}}. */
    static boolean isDigits(String text, int maxDigits) {
        int length = text.length();
        if (length == 0 || length > maxDigits) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code -?[0-9]+}. */
    static boolean isInteger(String text) {
        String digits = text.startsWith("-") ? text.substring(1) : text;
        return isDigits(digits, Integer.MAX_VALUE);
    }
}
