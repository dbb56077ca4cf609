//! The engine's order sink: orders go to the broker thread over an SPSC ring, never
//! waiting (a full ring is an `order_rejected` with reason `busy`, from the engine).

use seamless_ipc::spsc;

use crate::broker::{BrokerRequest, Order, RequestRecord};
use crate::engine::{OrderSink, SubmitError};

/// The engine thread's end of the ring to the broker.
pub(crate) struct OrderRing<'a>(pub(crate) &'a mut spsc::Producer<RequestRecord>);

impl OrderSink for OrderRing<'_> {
    #[inline]
    fn submit(&mut self, order: &Order) -> Result<(), SubmitError> {
        if self.0.is_abandoned() {
            return Err(SubmitError::Closed);
        }
        let record = RequestRecord::encode(&BrokerRequest::Order(*order));
        self.0.try_push(record).map_err(|_| SubmitError::Full)
    }
}
