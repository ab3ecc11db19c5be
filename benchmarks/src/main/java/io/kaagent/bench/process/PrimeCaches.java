package io.kaagent.bench.process;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Run once under the agent before start-up is timed: loads every socket class the agent hooks, so that its caches
 * hold what a JVM's second start on this machine finds there (the compiled policy, the rewritten classes). Opens no
 * connection.
 */
public final class PrimeCaches {
    private PrimeCaches() {
    }

    public static void main(String[] args) throws Exception {
        new Socket().close();
        new ServerSocket().close();
        SocketChannel.open().close();
        ServerSocketChannel.open().close();
        AsynchronousSocketChannel.open().close();
        AsynchronousServerSocketChannel.open().close();
        System.out.println("hello");
    }
}
