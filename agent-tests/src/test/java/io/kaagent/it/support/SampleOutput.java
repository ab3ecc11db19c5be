package io.kaagent.it.support;

import java.util.Arrays;

/** Reading the sample apps' status lines ({@code READY 40123 40124}, {@code LISTENING 40001 40002}). */
public final class SampleOutput {
    private SampleOutput() {
    }

    /** The numbers after the first word of a line. */
    public static int[] ports(String line) {
        String[] words = line.trim().split("\\s+");
        return Arrays.stream(words, 1, words.length).mapToInt(Integer::parseInt).toArray();
    }

    /** A comma-separated port list for the samples' command line. */
    public static String portList(int... ports) {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(p);
        }
        return sb.toString();
    }
}
