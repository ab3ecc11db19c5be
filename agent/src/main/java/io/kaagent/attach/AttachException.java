package io.kaagent.attach;

/** A failure the command line reports as one line and exit code 1; the message says what to do about it. */
public final class AttachException extends Exception {
    private static final long serialVersionUID = 1L;

    public AttachException(String message) {
        super(message);
    }

    public AttachException(String message, Throwable cause) {
        super(message, cause);
    }
}
