package io.kaagent.instrument;

/**
 * Never loaded as a class: its bytes are rewritten once by {@link HookInstaller#warmUp()}, with hooks of three kinds,
 * so that ASM's classes are loaded and run before the application's first socket class needs them.
 */
final class TransformSample {
    private TransformSample() {
    }

    void connect(Object address, int timeout) {
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
    }

    void setKeepAlive(boolean on) {
        if (on) {
            connect(null, 0);
        }
    }

    boolean finishConnect() {
        return true;
    }
}
