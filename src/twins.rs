//! Every blocking operation and its `_async` twin come from one definition: [`twins!`] writes the async
//! method from an async body and the blocking one that drives the same body through
//! [`ferrokafka_core::bridge::wait`]. Each entry names what a dropped future does (its cancel-safety line).

/// `twins! { /// doc
///     pub fn name / name_async(&self, arg: T) -> R; context: Option<&Handle>; cancel: "..."; { async body } }`
///
/// `context` is the runtime the blocking form enters while it waits (so tokio timers in the body work from
/// a plain thread), and the one the async form enters when another executor polls it (`bridge::on_runtime`). A receiver of `self` by value (builders) is written `self` instead of `&self`.
/// Where an engine has a blocking path of its own (the hot paths: produce, consume, the consumers' offset
/// calls, which the engines already write once as blocking-over-async or async-over-a-thread), the entry
/// names it with `blocking: expr;` before `context`, and the async body is the engine's async form.
macro_rules! twins {
    () => {};
    (@emit [$($doc:tt)*] $vis:vis $name:ident $async_name:ident [$($params:tt)*] $ret:ty, $cancel:literal,
        $ctx:expr, $blocking:block $body:block) => {
        $($doc)*
        ///
        #[doc = concat!("Blocking; the async twin is [`", stringify!($async_name), "`](Self::", stringify!($async_name), ").")]
        $vis fn $name($($params)*) -> $ret $blocking

        $($doc)*
        ///
        #[doc = concat!("The async twin of [`", stringify!($name), "`](Self::", stringify!($name), "); never blocks a tokio worker.")]
        #[doc = concat!("**Cancel-safety:** ", $cancel)]
        $vis async fn $async_name($($params)*) -> $ret {
            let context = $ctx;
            ferrokafka_core::bridge::on_runtime(context, async move $body).await
        }
    };
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident / $async_name:ident (&$self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty;
        blocking: $blocking:expr;
        context: $ctx:expr;
        cancel: $cancel:literal;
        $body:block
        $($rest:tt)*
    ) => {
        $crate::twins::twins!(@emit [$(#[$doc])*] $vis $name $async_name [&$self $(, $arg: $ty)*] $ret, $cancel,
            $ctx, { $blocking } $body);
        $crate::twins::twins! { $($rest)* }
    };
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident / $async_name:ident (&$self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty;
        context: $ctx:expr;
        cancel: $cancel:literal;
        $body:block
        $($rest:tt)*
    ) => {
        $crate::twins::twins!(@emit [$(#[$doc])*] $vis $name $async_name [&$self $(, $arg: $ty)*] $ret, $cancel,
            $ctx, { ferrokafka_core::bridge::wait($ctx, async move $body) } $body);
        $crate::twins::twins! { $($rest)* }
    };
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident / $async_name:ident ($self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty;
        context: $ctx:expr;
        cancel: $cancel:literal;
        $body:block
        $($rest:tt)*
    ) => {
        $crate::twins::twins!(@emit [$(#[$doc])*] $vis $name $async_name [$self $(, $arg: $ty)*] $ret, $cancel,
            $ctx, {
                let context = $ctx;
                ferrokafka_core::bridge::wait(context.as_ref(), async move $body)
            } $body);
        $crate::twins::twins! { $($rest)* }
    };
}

pub(crate) use twins;
