package io.kaagent.runtime;

import java.util.Properties;

/** What one pass over the open sockets did: the counts {@code attach} prints and a reload logs. */
public final class SweepResult {
    int updated;
    int listening;
    int unconnected;
    int noRule;
    int keepaliveOff;
    int closed;
    int failed;
    String firstFailure;
    /** Why some sockets could not be reached at all (no /proc, no native access), or null. */
    String limitation;

    public int updated() {
        return updated;
    }

    /** Listening, not connected, no rule, {@code keepalive: off}, or closed while the sweep ran. */
    public int skipped() {
        return listening + unconnected + noRule + keepaliveOff + closed;
    }

    public int failed() {
        return failed;
    }

    public String firstFailure() {
        return firstFailure;
    }

    public String limitation() {
        return limitation;
    }

    /** {@code updated 5, skipped 3 (1 listening, 2 no rule), failed 0}. */
    public String summary() {
        StringBuilder reasons = new StringBuilder();
        reason(reasons, listening, "listening");
        reason(reasons, unconnected, "not connected");
        reason(reasons, noRule, "no rule");
        reason(reasons, keepaliveOff, "keepalive: off");
        reason(reasons, closed, "closed meanwhile");
        String text = "updated " + updated + ", skipped " + skipped()
                + (reasons.length() == 0 ? "" : " (" + reasons + ")") + ", failed " + failed;
        if (firstFailure != null) {
            text += " (first failure: " + firstFailure + ")";
        }
        return text;
    }

    private static void reason(StringBuilder text, int count, String why) {
        if (count > 0) {
            text.append(text.length() == 0 ? "" : ", ").append(count).append(' ').append(why);
        }
    }

    /** The counts as properties, for the result file of {@code attach}. */
    public void writeTo(Properties properties) {
        properties.setProperty("updated", Integer.toString(updated));
        properties.setProperty("skipped", Integer.toString(skipped()));
        properties.setProperty("failed", Integer.toString(failed));
        properties.setProperty("sweep", summary());
        if (limitation != null) {
            properties.setProperty("limitation", limitation);
        }
    }

    @Override
    public String toString() {
        return summary();
    }
}
