package io.kaagent.lab;

/**
 * One report line of a lab app: {@code VERB ok|failed|eof|line <ms> ms [detail]}, e.g.
 * {@code EXCHANGE failed 4003 ms java.net.SocketTimeoutException: Read timed out}.
 */
record Reply(String line, String verb, String outcome, long millis, String detail) {

    static Reply parse(String line) {
        String[] f = line.split(" ", 5);
        if (f.length < 4 || !f[3].equals("ms")) {
            throw new AssertionError("not a report line: " + line);
        }
        return new Reply(line, f[0], f[1], Long.parseLong(f[2]), f.length > 4 ? f[4] : "");
    }

    boolean ok() {
        return outcome.equals("ok");
    }

    boolean failed() {
        return outcome.equals("failed");
    }

    @Override
    public String toString() {
        return line;
    }
}
