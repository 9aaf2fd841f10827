package dev.gateway.transport.io;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Coalesces flushes on one event loop while it is behind. A write made while more tasks wait on
 * the loop (further broadcasts queued, for example) is not flushed at once; the flusher flushes
 * every channel so written once, after the tasks queued so far, so a client gets several
 * messages per system call instead of one. On an idle loop every write is flushed immediately.
 * Confined to its event loop: one instance per server verticle, shared by its WebSocket and
 * SockJS streaming connections.
 */
public final class Flusher implements Runnable {

  private final List<ChannelHandlerContext> pending = new ArrayList<>();
  private final Map<ChannelHandlerContext, Boolean> queued = new IdentityHashMap<>();
  private boolean scheduled;

  /**
   * Writes {@code message} at {@code ctx} (towards the network), flushing now or with the next
   * batch. Must run on {@code ctx}'s event loop.
   */
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    EventExecutor loop = ctx.executor();
    if (loop instanceof SingleThreadEventExecutor queue && queue.inEventLoop()
        && queue.pendingTasks() > 0) {
      ctx.write(message, promise);
      if (queued.put(ctx, Boolean.TRUE) == null) {
        pending.add(ctx);
      }
      if (!scheduled) {
        scheduled = true;
        loop.execute(this);
      }
    } else {
      ctx.writeAndFlush(message, promise);
    }
  }

  @Override
  public void run() {
    scheduled = false;
    for (int i = 0; i < pending.size(); i++) {
      pending.get(i).flush();
    }
    pending.clear();
    queued.clear();
  }
}
