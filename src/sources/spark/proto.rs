//! The few Spark Connect messages preflight sends and reads, written from the protocol's
//! documentation (package `spark.connect`): a SQL relation to execute, the Arrow batches
//! that come back, and the interrupt of an operation that ran out of time. Fields the client never reads are left out; protobuf skips them on decode.

/// `spark.connect.UserContext`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct UserContext {
    #[prost(string, tag = "1")]
    pub user_id: String,
    #[prost(string, tag = "2")]
    pub user_name: String,
}

/// `spark.connect.SQL`: a query in Spark SQL.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sql {
    #[prost(string, tag = "1")]
    pub query: String,
}

/// `spark.connect.Relation`, with only its `sql` member of the `rel_type` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Relation {
    #[prost(message, optional, tag = "10")]
    pub sql: Option<Sql>,
}

/// `spark.connect.Plan`, with only its `root` member of the `op_type` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Plan {
    #[prost(message, optional, tag = "1")]
    pub root: Option<Relation>,
}

/// `spark.connect.ExecutePlanRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanRequest {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(message, optional, tag = "3")]
    pub plan: Option<Plan>,
    #[prost(string, optional, tag = "4")]
    pub client_type: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub operation_id: Option<String>,
}

/// `spark.connect.InterruptRequest`, asking to stop one operation by its id.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InterruptRequest {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(string, optional, tag = "3")]
    pub client_type: Option<String>,
    /// `InterruptType`: 3 is `INTERRUPT_TYPE_OPERATION_ID`.
    #[prost(int32, tag = "4")]
    pub interrupt_type: i32,
    #[prost(string, optional, tag = "6")]
    pub operation_id: Option<String>,
}

/// `InterruptRequest.InterruptType.INTERRUPT_TYPE_OPERATION_ID`.
pub const INTERRUPT_OPERATION_ID: i32 = 3;

/// `spark.connect.InterruptResponse`: the operations the server stopped.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InterruptResponse {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(string, repeated, tag = "2")]
    pub interrupted_ids: Vec<String>,
}

/// `spark.connect.ExecutePlanResponse.ArrowBatch`: one Arrow IPC stream (schema and batch).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ArrowBatch {
    #[prost(int64, tag = "1")]
    pub row_count: i64,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
}

/// `spark.connect.ExecutePlanResponse`: the members of `response_type` the client reads.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanResponse {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub arrow_batch: Option<ArrowBatch>,
    #[prost(string, tag = "12")]
    pub operation_id: String,
    #[prost(message, optional, tag = "14")]
    pub result_complete: Option<ResultComplete>,
    #[prost(string, tag = "15")]
    pub server_side_session_id: String,
}

/// `spark.connect.ExecutePlanResponse.ResultComplete`: empty, the end of a result.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResultComplete {}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn a_sql_plan_encodes_with_the_documented_field_numbers() {
        let req = ExecutePlanRequest {
            session_id: "s".into(),
            plan: Some(Plan { root: Some(Relation { sql: Some(Sql { query: "SELECT 1".into() }) }) }),
            ..ExecutePlanRequest::default()
        };
        let bytes = req.encode_to_vec();
        // session_id (1, length-delimited), then plan (3) holding root (1) holding sql (10 → 0x52).
        assert_eq!(&bytes[..3], &[0x0a, 0x01, b's']);
        assert_eq!(bytes[3], 0x1a);
        assert!(bytes.windows(2).any(|w| w == [0x52, 0x0a]), "{bytes:x?}");
        let back = ExecutePlanRequest::decode(bytes.as_slice()).unwrap();
        assert_eq!(back, req);
    }
}
