package io.kaagent.runtime;

import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

import io.kaagent.bootstrap.KaBridge;

/**
 * Plugs a runtime into the bootstrap bridge. Plain classes rather than lambdas: the first lambda in a JVM costs
 * tens of milliseconds of java.lang.invoke bootstrapping, and this runs in premain.
 */
public final class BridgeHandlers {
    private BridgeHandlers() {
    }

    public static void install(final KeepAliveRuntime runtime) {
        KaBridge.optionHandler = new BiPredicate<Object, Object>() {
            @Override
            public boolean test(Object socket, Object option) {
                return runtime.onOption(socket, option);
            }
        };
        KaBridge.acceptHandler = new BiConsumer<Object, Object>() {
            @Override
            public void accept(Object socket, Object listener) {
                runtime.onAccept(socket, listener);
            }
        };
        KaBridge.connectHandler = new BiConsumer<Object, Object>() {
            @Override
            public void accept(Object socket, Object dialled) {
                runtime.onConnect(socket, dialled);
            }
        };
        // Last: a hooked call that waited for the agent (KaBridge.awaitAgent) finds every handler in.
        KaBridge.agentReady();
    }

    /** The agent steps aside: the inlined calls return at once from now on. */
    public static void uninstall() {
        KaBridge.connectHandler = null;
        KaBridge.acceptHandler = null;
        KaBridge.optionHandler = null;
    }
}
