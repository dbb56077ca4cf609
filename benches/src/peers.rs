//! Peer transports measured in the same run: rtrb and crossbeam's `ArrayQueue`.
//!
//! Each is wrapped as an [`Endpoint`] pair made of two one-directional queues of
//! `capacity` slots. Busy-polling is the same for all of them and for ours.

use std::sync::Arc;

use crossbeam_queue::ArrayQueue;

use crate::pingpong::Endpoint;

/// One end of a pair of rtrb rings.
#[derive(Debug)]
pub struct RtrbEnd {
    tx: rtrb::Producer<u64>,
    rx: rtrb::Consumer<u64>,
}

/// A connected (ping, echo) pair over rtrb.
pub fn rtrb_pair(capacity: usize) -> (RtrbEnd, RtrbEnd) {
    let (tx1, rx1) = rtrb::RingBuffer::new(capacity);
    let (tx2, rx2) = rtrb::RingBuffer::new(capacity);
    (RtrbEnd { tx: tx1, rx: rx2 }, RtrbEnd { tx: tx2, rx: rx1 })
}

impl Endpoint for RtrbEnd {
    #[inline]
    fn send(&mut self, mut v: u64) {
        while let Err(rtrb::PushError::Full(back)) = self.tx.push(v) {
            v = back;
            std::hint::spin_loop();
        }
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        loop {
            if let Ok(v) = self.rx.pop() {
                return v;
            }
            std::hint::spin_loop();
        }
    }
}

/// One end of a pair of crossbeam `ArrayQueue`s.
#[derive(Debug)]
pub struct ArrayQueueEnd {
    tx: Arc<ArrayQueue<u64>>,
    rx: Arc<ArrayQueue<u64>>,
}

/// A connected (ping, echo) pair over `ArrayQueue`.
pub fn array_queue_pair(capacity: usize) -> (ArrayQueueEnd, ArrayQueueEnd) {
    let q1 = Arc::new(ArrayQueue::new(capacity));
    let q2 = Arc::new(ArrayQueue::new(capacity));
    (
        ArrayQueueEnd {
            tx: q1.clone(),
            rx: q2.clone(),
        },
        ArrayQueueEnd { tx: q2, rx: q1 },
    )
}

impl Endpoint for ArrayQueueEnd {
    #[inline]
    fn send(&mut self, mut v: u64) {
        while let Err(back) = self.tx.push(v) {
            v = back;
            std::hint::spin_loop();
        }
    }

    #[inline]
    fn recv(&mut self) -> u64 {
        loop {
            if let Some(v) = self.rx.pop() {
                return v;
            }
            std::hint::spin_loop();
        }
    }
}
