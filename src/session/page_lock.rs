//! A lock that one task of this page holds at a time: what `dom::with_tabs_lock` is to the
//! site's tabs, for the widgets of one page. Those waiting are woken when it is released,
//! instead of asking again and again.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::task::{Poll, Waker};

/// Held by one task of the page at a time; the others wait in [`PageLock::lock`].
#[derive(Default)]
pub(super) struct PageLock {
    held: Cell<bool>,
    /// The tasks waiting for the lock, all woken when it is released.
    waiting: RefCell<Vec<Waker>>,
}

/// Holding a [`PageLock`]: dropping it releases the lock (also when the task holding it is
/// dropped half-way).
pub(super) struct Held<'a>(&'a PageLock);

impl PageLock {
    /// Resolves once this task holds the lock: at once if nobody does.
    pub(super) async fn lock(&self) -> Held<'_> {
        poll_fn(|context| {
            if !self.held.replace(true) {
                return Poll::Ready(());
            }
            let mut waiting = self.waiting.borrow_mut();
            if !waiting.iter().any(|waker| waker.will_wake(context.waker())) {
                waiting.push(context.waker().clone());
            }
            Poll::Pending
        })
        .await;
        Held(self)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.held.set(false);
        // Every waiter tries again: the first to run takes the lock and the others wait on. Waking
        // them all means a waiter that was dropped meanwhile cannot strand the rest.
        let waiting = std::mem::take(&mut *self.0.waiting.borrow_mut());
        for waker in waiting {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use super::PageLock;

    /// Counts how often the task it stands for is woken.
    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_waiter_is_woken_once_the_holder_releases_and_then_holds_the_lock() {
        let lock = PageLock::default();
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let mut context = Context::from_waker(&waker);

        let Poll::Ready(held) = pin!(lock.lock()).poll(&mut context) else {
            panic!("a lock nobody holds is taken at once");
        };
        let mut waiter = pin!(lock.lock());
        assert!(waiter.as_mut().poll(&mut context).is_pending());
        assert!(waiter.as_mut().poll(&mut context).is_pending());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0, "nobody is woken while the lock is held");

        drop(held);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "woken once, however often it asked");
        let Poll::Ready(_held) = waiter.as_mut().poll(&mut context) else {
            panic!("the woken waiter takes the released lock");
        };
        assert!(pin!(lock.lock()).poll(&mut context).is_pending(), "the waiter now holds it");
    }
}
