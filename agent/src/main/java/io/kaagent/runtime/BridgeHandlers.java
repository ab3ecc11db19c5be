package io.kaagent.runtime;

import java.security.PrivilegedAction;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

import io.kaagent.Privileged;
import io.kaagent.bootstrap.KaBridge;

/**
 * Plugs a runtime into the bootstrap bridge. Plain classes rather than lambdas: the first lambda in a JVM costs
 * tens of milliseconds of java.lang.invoke bootstrapping, and this runs in premain. Under a Security Manager the
 * application installed, each call runs with the agent's permissions ({@link Privileged}): the agent's first log
 * line, for one, configures its logger, which the application's frames below would be asked to allow. Without one
 * (every JVM but a few, and every JDK 24+) it costs a few field reads.
 */
public final class BridgeHandlers {
    private BridgeHandlers() {
    }

    public static void install(final KeepAliveRuntime runtime) {
        KaBridge.optionHandler = new BiPredicate<Object, Object>() {
            @Override
            public boolean test(final Object socket, final Object option) {
                if (!Privileged.securityManagerInstalled()) {
                    return runtime.onOption(socket, option);
                }
                return Privileged.run(new PrivilegedAction<Boolean>() {
                    @Override
                    public Boolean run() {
                        return runtime.onOption(socket, option);
                    }
                });
            }
        };
        KaBridge.acceptHandler = new BiConsumer<Object, Object>() {
            @Override
            public void accept(final Object socket, final Object listener) {
                if (!Privileged.securityManagerInstalled()) {
                    runtime.onAccept(socket, listener);
                    return;
                }
                Privileged.run(new PrivilegedAction<Void>() {
                    @Override
                    public Void run() {
                        runtime.onAccept(socket, listener);
                        return null;
                    }
                });
            }
        };
        KaBridge.connectHandler = new BiConsumer<Object, Object>() {
            @Override
            public void accept(final Object socket, final Object dialled) {
                if (!Privileged.securityManagerInstalled()) {
                    runtime.onConnect(socket, dialled);
                    return;
                }
                Privileged.run(new PrivilegedAction<Void>() {
                    @Override
                    public Void run() {
                        runtime.onConnect(socket, dialled);
                        return null;
                    }
                });
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
